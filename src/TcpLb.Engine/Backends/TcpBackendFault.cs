namespace TcpLb.Engine.Backends
{
    /// <summary>
    /// A fault a test backend injects into the connections it gets, in the manner of toxiproxy's
    /// toxics: so a test can see how a client or a balancer copes with a broken backend.
    /// </summary>
    public enum TcpBackendFault
    {
        /// <summary>No fault: the backend answers as its mode says.</summary>
        None,

        /// <summary>
        /// Connections are refused: the port stays bound to the backend but nothing listens on
        /// it, so a connect fails at once ("connection refused"). Healing listens on the same port again.
        /// </summary>
        Refuse,

        /// <summary>
        /// Connections are accepted, then closed at once with FIN, unanswered: the client reads
        /// an empty reply. What the client sends is discarded until it closes, so the close stays
        /// a clean FIN rather than a reset.
        /// </summary>
        Close,

        /// <summary>Connections are accepted, then reset (RST) at once.</summary>
        Reset,

        /// <summary>
        /// Connections are accepted and held, never answered: the client sees a hung server and
        /// times out. What the client sends is discarded, so its writes never block. A connection
        /// is let go when the client resets it, when the backend stops, or
        /// <see cref="TcpTestBackendOptions.BlackholeTimeout"/> after the client's FIN (a FIN may
        /// be a half-close from a client still waiting, so it alone does not end the hold).
        /// </summary>
        Blackhole,
    }
}
