namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>
    /// What a <see cref="LoopRelayConnection"/> reports to whoever decides (the balancer's connection
    /// pipeline): the transport moves bytes, the observer judges. Called on the connection's loop
    /// thread, inline; an implementation must be quick and must not block (post anything slow).
    /// The connection passes itself, so one observer serves every connection without allocating.
    /// </summary>
    internal partial interface IRelayObserver
    {
        /// <summary>
        /// After <see cref="IRelayConnection.ReadPreamble"/>: the first <paramref name="count"/> bytes
        /// the client sent (peeked, not yet taken). Returns the preamble's length (those bytes are
        /// taken and never reach a server; the rest is relayed), 0 to wait for more, or -1 to reset
        /// the client (a bad header). Typically parses a PROXY header with ProxyHeaderParser.
        /// </summary>
        int OnClientPreamble(IRelayConnection connection, byte[] bytes, int count);

        /// <summary>The backend accepted. The relay now carries bytes both ways.</summary>
        void OnConnected(IRelayConnection connection);

        /// <summary>
        /// The backend could not be reached (errno: ECONNREFUSED, ETIMEDOUT for the connect timeout, ...).
        /// The client is still open and its bytes so far unsent: call <see cref="IRelayConnection.ConnectTo"/>
        /// here to try another backend; otherwise the relay resets the client when this returns.
        /// </summary>
        void OnConnectFailed(IRelayConnection connection, int errno);

        /// <summary>The backend's first byte arrived (once per backend attempt), before it is sent to the client.</summary>
        void OnFirstServerByte(IRelayConnection connection);

        /// <summary><paramref name="from"/> sent FIN and it was passed on as a send-shutdown to the other side.</summary>
        void OnHalfClosed(IRelayConnection connection, RelaySide from);

        /// <summary><paramref name="from"/> reset (or failed with errno); the other side is reset too.</summary>
        void OnReset(IRelayConnection connection, RelaySide from, int errno);

        /// <summary>
        /// A deadline passed; both sides are reset when this returns (the connect timeout goes to
        /// <see cref="OnConnectFailed"/> as ETIMEDOUT instead). Response: the server left the client's
        /// bytes unanswered, which counts against the backend (passive health); with replay the
        /// pipeline will move the client here instead (docs/design/event-loop.md).
        /// </summary>
        void OnTimedOut(IRelayConnection connection, RelayTimeout which);

        /// <summary>
        /// The relay has stopped moving bytes and is about to close (or reset) both sockets; neither has
        /// been closed or reset yet and the byte counts are final. Count the connection's outcome here:
        /// a peer that sees its end (a reset above all) then reads counts that include it. Called exactly
        /// once, just before <see cref="OnClosed"/>. An exception here (a bug; the loop traces it) still
        /// leaves both sockets closed and <see cref="OnClosed"/> called.
        /// </summary>
        void OnEnding(IRelayConnection connection);

        /// <summary>Both sockets are closed; give back what the connection held. Called exactly once.</summary>
        void OnClosed(IRelayConnection connection);
    }
}
