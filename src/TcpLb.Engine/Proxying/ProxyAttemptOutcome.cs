namespace TcpLb.Engine.Proxying
{
    /// <summary>How proxying a connection to one server ended (<see cref="DuplexPump.RunAsync(System.Net.Sockets.Socket, bool)"/>).</summary>
    internal enum ProxyAttemptOutcome
    {
        /// <summary>The connection is over; the server answered, or did nothing wrong before the client was done.</summary>
        Completed,

        /// <summary>
        /// The connection is over: the server reset or closed it, or left the client's bytes
        /// unanswered past the response timeout, before its first byte; the client got the same.
        /// </summary>
        FailedBeforeResponse,

        /// <summary>
        /// The server failed before its first byte and every byte the client sent is held: the
        /// server is closed, the client still open, and the connection can move to another server.
        /// </summary>
        Movable,
    }
}
