using TcpLb.Engine.Proxying.Loop;

namespace TcpLb.Engine.Proxying.Toxics
{
    /// <summary>
    /// <see cref="LatencyToxic"/> as a decision: each chunk waits Latency ± Jitter from when it was
    /// first offered (read), then goes whole; the source is not read meanwhile, as the stream pump
    /// does not read while its delayed send is pending. The FIN follows the last chunk at once.
    /// Read for every chunk, so a change reaches open connections.
    /// </summary>
    internal sealed class LatencyShaper : ILoopChunkShaper
    {
        private readonly IToxicSource _source;
        private long _dueAt; // when the chunk offered now may go; 0: none delayed

        public LatencyShaper(IToxicSource source) => _source = source;

        public ShapeAction Shape(long now, int pending, out int allowed, out long wakeAt)
        {
            allowed = pending;
            wakeAt = 0;
            if (pending == 0)
            {
                return ShapeAction.Send;
            }
            if (!_source.IsActive)
            {
                _dueAt = 0;
                return ShapeAction.Send;
            }
            if (_dueAt == 0)
            {
                long delay = ShaperTime.Milliseconds(_source.Current.NextDelay());
                if (delay == 0)
                {
                    return ShapeAction.Send;
                }
                _dueAt = ShaperTime.DueAt(now, delay);
            }
            if (now >= _dueAt)
            {
                _dueAt = 0;
                return ShapeAction.Send;
            }
            allowed = 0;
            wakeAt = _dueAt;
            return ShapeAction.Wait;
        }

        public ShapeAction ShapeFin(long now, out long wakeAt)
        {
            wakeAt = 0;
            return ShapeAction.Send;
        }
    }
}
