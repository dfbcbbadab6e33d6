namespace TcpLb.Engine.Access
{
    /// <summary>What the accept-time checks decided for a new client connection.</summary>
    internal enum SourceVerdict
    {
        Admitted,

        /// <summary>An access rule refused the source (a deny rule, or allow rules that do not match it).</summary>
        Denied,

        /// <summary>The source already has its -MaxConnectionsPerSource connections open.</summary>
        ConnectionLimit,

        /// <summary>The source opened connections faster than -ConnectionRatePerSource.</summary>
        RateLimit,

        /// <summary>Every entry of the per-source table belongs to a source with open connections: no room to track a new one.</summary>
        TableFull,
    }
}
