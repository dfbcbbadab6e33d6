namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>
    /// Whether the loops batch their sends and receives on an io_uring (<see cref="IoUring"/>): on
    /// unless <c>TCPLB_IO_URING</c> says <c>off</c> (a diagnostic for the bench's A/B runs and the
    /// suite's pass over the one-call-at-a-time path, not a user setting). On, a loop still makes one
    /// call at a time where the kernel refuses a ring (io_uring disabled, or blocked by a container's
    /// seccomp profile).
    /// </summary>
    internal static class CallBatching
    {
        public const string EnvironmentVariable = "TCPLB_IO_URING";

        private static readonly EnvironmentChoice<bool> Choice = new EnvironmentChoice<bool>(
            EnvironmentVariable,
            "a choice",
            ("on", true),
            ("off", false));

        /// <summary>On unless the environment says off; an unknown value is an <see cref="EnvironmentValueException"/> naming it.</summary>
        public static bool Default => Choice.Read() ?? true;
    }
}
