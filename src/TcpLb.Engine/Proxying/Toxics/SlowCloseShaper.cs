using TcpLb.Engine.Proxying.Loop;

namespace TcpLb.Engine.Proxying.Toxics
{
    /// <summary><see cref="SlowCloseToxic"/> as a decision: bytes pass; the FIN waits Delay from when it is first offered.</summary>
    internal sealed class SlowCloseShaper : ILoopChunkShaper
    {
        private readonly IToxicSource _source;
        private long _finAt; // 0: no FIN offered yet

        public SlowCloseShaper(IToxicSource source) => _source = source;

        public ShapeAction Shape(long now, int pending, out int allowed, out long wakeAt)
        {
            allowed = pending;
            wakeAt = 0;
            return ShapeAction.Send;
        }

        public ShapeAction ShapeFin(long now, out long wakeAt)
        {
            wakeAt = 0;
            long delay = _source.IsActive ? ShaperTime.Milliseconds(_source.Current.Delay) : 0;
            if (delay == 0)
            {
                return ShapeAction.Send;
            }
            if (_finAt == 0)
            {
                _finAt = ShaperTime.DueAt(now, delay);
            }
            if (now >= _finAt)
            {
                return ShapeAction.Send;
            }
            wakeAt = _finAt;
            return ShapeAction.Wait;
        }
    }
}
