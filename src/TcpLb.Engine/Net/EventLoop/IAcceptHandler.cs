namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>Takes each connection a <see cref="LoopListener"/> accepts, on the listener's loop thread.</summary>
    internal interface IAcceptHandler
    {
        /// <summary>
        /// <paramref name="fd"/> is non-blocking and close-on-exec, not yet registered; the handler owns
        /// it from here (registers it, or hands it to another loop) and closes it if it throws before
        /// registering it. An exception is traced; the listener goes on accepting.
        /// <paramref name="peer"/> is the client's sockaddr as accept4 wrote it.
        /// </summary>
        void OnAccepted(EpollLoop loop, int fd, in SockAddrBuffer peer);
    }
}
