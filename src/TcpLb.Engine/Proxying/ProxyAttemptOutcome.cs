namespace TcpLb.Engine.Proxying
{
    /// <summary>How proxying a connection to one server ended (<see cref="DuplexPump.RunAsync(System.Net.Sockets.Socket, UnansweredEnd)"/>).</summary>
    internal enum ProxyAttemptOutcome
    {
        /// <summary>
        /// The connection is over: the server answered, closed cleanly, or did nothing wrong before
        /// the client was done, or the connection was reset from outside (an idle timeout, a stop).
        /// </summary>
        Completed,

        /// <summary>
        /// The connection is over: the server reset it, or left the client's bytes unanswered past
        /// the response timeout, before its first byte. The server is closed; the client is still
        /// open, for the caller to reset once it has counted the failure.
        /// </summary>
        FailedBeforeResponse,

        /// <summary>
        /// The server ended before its first byte in a way the caller allowed to move, and every
        /// byte the client sent is held: the
        /// server is closed, the client still open, and the connection can move to another server.
        /// </summary>
        Movable,
    }
}
