namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>The transport seam, toxics: each direction may be shaped by an <see cref="ILoopChunkShaper"/>.</summary>
    internal partial interface IRelayConnection
    {
        /// <summary>
        /// Shapes client→server bytes with <paramref name="up"/> and server→client bytes with
        /// <paramref name="down"/> (null: none), from the next turn on. Set before <see cref="ConnectTo"/>
        /// (or in <see cref="IRelayObserver.OnConnected"/>): a shaper that acts on the whole connection
        /// after a time (reset_peer, timeout) counts from its first turn, when the server is connected.
        /// </summary>
        void ShapeWith(ILoopChunkShaper? up, ILoopChunkShaper? down);
    }
}
