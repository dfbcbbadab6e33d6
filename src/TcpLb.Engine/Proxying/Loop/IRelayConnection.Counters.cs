namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>The transport seam, second counters: as DuplexPump has them, the backend's (ClientCounter, ServerCounter) and the balancer's totals.</summary>
    internal partial interface IRelayConnection
    {
        /// <summary>
        /// A second shared counter for the bytes from the client (the balancer's total), beside
        /// <see cref="ClientCounter"/> (the backend's); null for none. Both count bytes as they are
        /// sent on; a replay counts again for the next backend's counter only.
        /// </summary>
        TrafficCounter? ClientTotalCounter { get; set; }

        /// <summary>The second counter for the bytes from the server (the balancer's total); null for none.</summary>
        TrafficCounter? ServerTotalCounter { get; set; }
    }
}
