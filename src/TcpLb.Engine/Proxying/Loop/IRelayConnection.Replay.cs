namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>
    /// The transport seam, replay (issue 17, build step 3): a client whose server fails before its
    /// first byte moves to another server with everything it sent. The transport holds a copy of
    /// each client byte it sends to the server (from <see cref="HoldClientBytes"/> until the server's
    /// first byte), tells the observer when the server fails
    /// (<see cref="IRelayObserver.OnServerFailedBeforeResponse"/>), and, when told to, drops that
    /// server and keeps the client, so the pipeline can replay to the next one:
    /// <c>AbandonServer(); SendFirst(ReplayBytes(header)); ConnectTo(next);</c>
    /// Bytes the client sent that had not gone to the failed server yet stay queued and follow the
    /// replay; a client FIN already passed on is passed on again after it.
    /// </summary>
    internal partial interface IRelayConnection
    {
        /// <summary>
        /// Before the first <see cref="ConnectTo"/>: from now until the server's first byte, keep a copy
        /// of every client byte sent to the server, up to <paramref name="capacity"/> bytes (1 to
        /// ReplayBuffer.Capacity, 64 KiB); past it the copy is dropped and the connection cannot move.
        /// The copy is a pooled array, released at the first server byte or the end.
        /// </summary>
        void HoldClientBytes(int capacity);

        /// <summary>
        /// Whether the response timeout applies to this connection (true by default). A connection
        /// a toxic shapes is not timed: its silence is the path's doing, not the server's.
        /// </summary>
        bool WatchesResponse { get; set; }

        /// <summary>Client bytes held now (what the current, or just failed, server was sent); 0 when none.</summary>
        int HeldByteCount { get; }

        /// <summary>
        /// Inside <see cref="IRelayObserver.OnServerFailedBeforeResponse"/>: how the server ended
        /// (Reset, Close, or Timeout for the response timeout); None elsewhere.
        /// </summary>
        UnansweredEnd ServerEnd { get; }

        /// <summary>
        /// Inside <see cref="IRelayObserver.OnServerFailedBeforeResponse"/> with movable true only:
        /// resets the failed server (not the client), keeps the client and its held bytes; the
        /// connection is as before its first <see cref="ConnectTo"/> (the client's bytes wait, one
        /// buffer at most). Throws InvalidOperationException anywhere else.
        /// </summary>
        void AbandonServer();

        /// <summary>
        /// A new array: <paramref name="header"/> (the next attempt's PROXY header, or null) followed by
        /// every held client byte; hand it to <see cref="SendFirst"/> before the next <see cref="ConnectTo"/>.
        /// </summary>
        byte[] ReplayBytes(byte[]? header);
    }
}
