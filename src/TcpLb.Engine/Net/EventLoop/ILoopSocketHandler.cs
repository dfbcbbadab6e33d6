namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>What owns a descriptor registered on an <see cref="EpollLoop"/>. Called on the loop thread only.</summary>
    internal interface ILoopSocketHandler
    {
        /// <summary>
        /// An edge arrived for <paramref name="socket"/>; its ready flags are already updated from
        /// <paramref name="events"/>. An exception escaping here is caught by the loop, traced, and
        /// followed by <see cref="Abort"/>.
        /// </summary>
        void OnReady(LoopSocket socket, uint events);

        /// <summary>
        /// Ends whatever the handler owns at once, resetting its connections: after a fault, or
        /// when the loop stops. Called possibly more than once; must not throw. After a fault, the loop
        /// resets whatever descriptor is still registered to the handler when this returns or throws.
        /// </summary>
        void Abort();
    }
}
