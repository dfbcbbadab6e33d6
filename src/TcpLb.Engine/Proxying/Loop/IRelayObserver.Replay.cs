namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>The transport seam's replay event (see IRelayConnection.Replay.cs).</summary>
    internal partial interface IRelayObserver
    {
        /// <summary>
        /// The server ended before its first byte: it reset (while the client had sent no more than
        /// the replay window), sent FIN (unless answering a client's bare FIN), or the response
        /// timeout fired; <see cref="IRelayConnection.ServerEnd"/> says which. <paramref name="movable"/>:
        /// every client byte is still held, so the pipeline may call
        /// <see cref="IRelayConnection.AbandonServer"/>, <see cref="IRelayConnection.SendFirst"/>
        /// (<see cref="IRelayConnection.ReplayBytes"/>) and <see cref="IRelayConnection.ConnectTo"/>
        /// here (or ConnectTo later, posted to the connection's loop). When it does not abandon the
        /// server, the end goes on as without replay: <see cref="OnReset"/> (Server),
        /// <see cref="OnHalfClosed"/> (Server, the FIN passed on) or <see cref="OnTimedOut"/> (Response) follows.
        /// </summary>
        void OnServerFailedBeforeResponse(IRelayConnection connection, bool movable);
    }
}
