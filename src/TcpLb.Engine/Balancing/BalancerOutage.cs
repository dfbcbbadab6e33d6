namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// How a balancer that is set down treats new clients, its listener keeping its port all along
    /// (<see cref="TcpBalancer.SetOutage"/>), so a client under test sees an outage as it looks on the wire.
    /// </summary>
    public enum BalancerOutage
    {
        /// <summary>Not down: clients are balanced as usual.</summary>
        None,

        /// <summary>Connects are refused: the port stays bound but nothing accepts on it.</summary>
        Refuse,

        /// <summary>
        /// Connects complete but nothing ever answers and no backend is contacted: the client sees
        /// a hung server. A held connection ends when the client closes or resets it, when the
        /// outage ends, or when the balancer stops.
        /// </summary>
        Hold,

        /// <summary>Connections are accepted and reset (RST) at once, no backend contacted.</summary>
        Reset,
    }
}
