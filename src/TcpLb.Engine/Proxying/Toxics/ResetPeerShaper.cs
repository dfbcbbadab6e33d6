using TcpLb.Engine.Proxying.Loop;

namespace TcpLb.Engine.Proxying.Toxics
{
    /// <summary>
    /// <see cref="ResetPeerToxic"/> as a decision: the connection is reset Timeout after the shaper's
    /// first turn (when the server is connected), or at once with 0; until then bytes and FIN pass.
    /// </summary>
    internal sealed class ResetPeerShaper : ILoopChunkShaper
    {
        private readonly long _timeout;
        private long _resetAt = -1;

        public ResetPeerShaper(IToxicSource source) => _timeout = ShaperTime.Milliseconds(source.Current.Timeout);

        public ShapeAction Shape(long now, int pending, out int allowed, out long wakeAt)
        {
            allowed = pending;
            return Decide(now, out wakeAt);
        }

        public ShapeAction ShapeFin(long now, out long wakeAt) => Decide(now, out wakeAt);

        private ShapeAction Decide(long now, out long wakeAt)
        {
            if (_resetAt < 0)
            {
                _resetAt = ShaperTime.DueAt(now, _timeout);
            }
            wakeAt = _resetAt;
            return now >= _resetAt ? ShapeAction.Reset : ShapeAction.Send;
        }
    }
}
