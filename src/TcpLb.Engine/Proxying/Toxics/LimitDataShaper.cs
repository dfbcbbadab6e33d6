using System;
using TcpLb.Engine.Proxying.Loop;

namespace TcpLb.Engine.Proxying.Toxics
{
    /// <summary>
    /// <see cref="LimitDataToxic"/> as a decision: exactly Bytes bytes of the direction pass, then its
    /// FIN (a cut: the rest is dropped and the source read no further).
    /// </summary>
    internal sealed class LimitDataShaper : ILoopChunkShaper
    {
        private readonly long _limit;
        private long _passed;

        public LimitDataShaper(IToxicSource source) => _limit = source.Current.Bytes;

        public ShapeAction Shape(long now, int pending, out int allowed, out long wakeAt)
        {
            wakeAt = 0;
            allowed = pending;
            if (pending == 0)
            {
                return ShapeAction.Send;
            }
            long left = _limit - _passed;
            if (pending < left)
            {
                _passed += pending;
                return ShapeAction.Send;
            }
            allowed = (int)Math.Max(0, left);
            _passed = _limit;
            return ShapeAction.Cut;
        }

        public ShapeAction ShapeFin(long now, out long wakeAt)
        {
            wakeAt = 0;
            return ShapeAction.Send;
        }
    }
}
