using System;
using TcpLb.Engine.Proxying.Loop;

namespace TcpLb.Engine.Proxying.Toxics
{
    /// <summary>
    /// <see cref="SlicerToxic"/> as a decision: each chunk goes in slices of AverageSize ±
    /// SizeVariation bytes (each its own send), Delay apart within the chunk; no pause after its last.
    /// </summary>
    internal sealed class SlicerShaper : ILoopChunkShaper
    {
        private readonly IToxicSource _source;
        private long _nextAt; // the next slice of the chunk under way; 0: none waits

        public SlicerShaper(IToxicSource source) => _source = source;

        public ShapeAction Shape(long now, int pending, out int allowed, out long wakeAt)
        {
            allowed = pending;
            wakeAt = 0;
            if (pending == 0 || !_source.IsActive)
            {
                _nextAt = 0;
                return ShapeAction.Send;
            }
            if (now < _nextAt)
            {
                allowed = 0;
                wakeAt = _nextAt;
                return ShapeAction.Wait;
            }
            ToxicDefinition settings = _source.Current;
            int size = Math.Max(1, ToxicRandom.Next(settings.AverageSize - settings.SizeVariation, settings.AverageSize + settings.SizeVariation));
            allowed = Math.Min(pending, size);
            long delay = ShaperTime.Milliseconds(settings.Delay);
            _nextAt = allowed < pending && delay > 0 ? ShaperTime.DueAt(now, delay) : 0;
            return ShapeAction.Send;
        }

        public ShapeAction ShapeFin(long now, out long wakeAt)
        {
            wakeAt = 0;
            return ShapeAction.Send;
        }
    }
}
