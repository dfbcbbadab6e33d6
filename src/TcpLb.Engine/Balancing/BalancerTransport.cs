namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// How a balancer moves bytes. The environment variable TCPLB_TRANSPORT (loop or stream)
    /// overrides the option for every balancer of the process (and the jobs it starts).
    /// </summary>
    public enum BalancerTransport
    {
        /// <summary>The engine's choice: the event loops on Linux (x64 and arm64), the stream path elsewhere and for TLS.</summary>
        Auto,

        /// <summary>The engine's own event loops (Linux x64 and arm64); elsewhere, and for TLS, the stream path.</summary>
        Loop,

        /// <summary>.NET's sockets and tasks, on every system; TLS always takes it.</summary>
        Stream,
    }
}
