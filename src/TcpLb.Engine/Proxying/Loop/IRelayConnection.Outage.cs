namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>The transport seam, outage hold (BalancerOutage.Hold).</summary>
    internal partial interface IRelayConnection
    {
        /// <summary>
        /// Keeps the client open without a server: it is not read past one buffer (its bytes wait),
        /// gets no idle timeout, and is reset when the owner releases held clients
        /// (RelayConnectionSet.ReleaseHeld: the outage ended) or the relay stops; a client that
        /// resets or closes ends it earlier (OnReset / OnClosed). Before any <see cref="ConnectTo"/>.
        /// </summary>
        void HoldForOutage();

        /// <summary>Whether <see cref="HoldForOutage"/> holds it now.</summary>
        bool IsHeldForOutage { get; }
    }
}
