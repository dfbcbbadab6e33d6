namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>
    /// What the owner of a <see cref="RelayListener"/> does with each client its loops accept: the
    /// balancer's pipeline counts it, gates it, holds it for an outage, reads its PROXY header, or
    /// picks a backend and connects (<see cref="IRelayConnection.ConnectTo"/>). Called on the client's
    /// loop thread, inline, with the connection already registered and reporting to the listener's
    /// <see cref="IRelayObserver"/>; must not block. A throw costs this connection only (it is reset).
    /// </summary>
    internal interface IRelayAdmission
    {
        void OnAccepted(IRelayConnection connection);
    }
}
