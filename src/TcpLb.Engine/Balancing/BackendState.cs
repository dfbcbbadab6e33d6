namespace TcpLb.Engine.Balancing
{
    /// <summary>Whether a backend gets new connections, and why not.</summary>
    public enum BackendState
    {
        /// <summary>Healthy and enabled: gets new connections.</summary>
        Up,

        /// <summary>Failing its health checks (or its connects): no new connections until checks bring it back.</summary>
        Down,

        /// <summary>Taken out by an operator: no new connections, open ones finish.</summary>
        Draining,

        /// <summary>Taken out by an operator: no new connections, open ones were closed.</summary>
        Disabled,

        /// <summary>Removed from the pool: no new connections, open ones finish.</summary>
        Removed,
    }
}
