namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>How a <see cref="LoopGroup"/> accepts connections and which loop each one goes to.</summary>
    internal enum LoopLayout
    {
        /// <summary>One SO_REUSEPORT listener per loop; the kernel spreads connections by a hash of their addresses; nothing crosses threads.</summary>
        ReusePort,

        /// <summary>One listener on the first loop; connections handed to the loops in turn (exact round robin).</summary>
        HandOff,

        /// <summary>
        /// One SO_REUSEPORT listener per loop; each accepted connection goes to the loop with the
        /// fewest open sockets (HAProxy's choice of the least loaded thread), staying on the loop that
        /// accepted it when that one is among the least loaded (no cross-thread post then).
        /// </summary>
        LeastLoaded,

        /// <summary>
        /// <see cref="LeastLoaded"/> over the loops that are active: all of them at first, then the
        /// fewest that relay as much in trials under load (<see cref="LoopPacking"/>); the kernel
        /// queues new connections on the active loops' listeners only, and open connections move
        /// between loops when the count changes. The default.
        /// </summary>
        Packed,
    }

    /// <summary>The layout chosen for the process: <see cref="LoopLayout.Packed"/> unless <c>TCPLB_LOOP_LAYOUT</c> says otherwise (a diagnostic, not a user setting).</summary>
    internal static class LoopLayouts
    {
        public const string EnvironmentVariable = "TCPLB_LOOP_LAYOUT";

        public const LoopLayout BuiltIn = LoopLayout.Packed;

        private static readonly EnvironmentChoice<LoopLayout> Choice = new EnvironmentChoice<LoopLayout>(
            EnvironmentVariable,
            "a loop layout",
            ("reuseport", LoopLayout.ReusePort),
            ("handoff", LoopLayout.HandOff),
            ("leastloaded", LoopLayout.LeastLoaded),
            ("packed", LoopLayout.Packed));

        /// <summary>The layout from the environment, or <see cref="BuiltIn"/>; an unknown value is an <see cref="EnvironmentValueException"/> naming it.</summary>
        public static LoopLayout Default => Choice.Read() ?? BuiltIn;

        /// <summary>The layout <paramref name="value"/> names (as the variable would), or <see cref="BuiltIn"/> when it is empty.</summary>
        public static LoopLayout Parse(string? value) => Choice.Parse(value) ?? BuiltIn;
    }
}
