using System;
using TcpLb.Engine.Proxying.Loop;

namespace TcpLb.Engine.Proxying.Toxics
{
    /// <summary>
    /// <see cref="BandwidthToxic"/> as a decision: slices of about 50 ms' worth at the rate, each
    /// allowed once the bytes before it are due on a schedule (so lateness does not add up), and a
    /// new schedule after a rate change or a pause longer than a slice (no credit saved for a burst).
    /// The rate is read for every chunk, so a change reaches open connections.
    /// </summary>
    internal sealed class BandwidthShaper : ILoopChunkShaper
    {
        private const int SlicesPerSecond = 20;
        private const long Slack = 1000 / SlicesPerSecond;

        private readonly IToxicSource _source;
        private long _rate;
        private long _start;
        private long _bytes;
        private long _lastActive = long.MinValue / 2;

        public BandwidthShaper(IToxicSource source) => _source = source;

        public ShapeAction Shape(long now, int pending, out int allowed, out long wakeAt)
        {
            allowed = pending;
            wakeAt = 0;
            long rate = _source.IsActive ? _source.Current.RateBytesPerSecond : 0;
            if (pending == 0 || rate <= 0)
            {
                return ShapeAction.Send;
            }
            if (rate != _rate || now - _lastActive > Slack)
            {
                // A new rate, or the source was idle: a new schedule.
                _rate = rate;
                _start = now;
                _bytes = 0;
            }
            long due = Due();
            if (now < due)
            {
                allowed = 0;
                wakeAt = due;
                return ShapeAction.Wait;
            }
            int slice = (int)Math.Max(1, Math.Min(int.MaxValue, rate / SlicesPerSecond));
            allowed = Math.Min(pending, slice);
            _bytes += allowed;
            _lastActive = Math.Max(now, Due());
            return ShapeAction.Send;
        }

        public ShapeAction ShapeFin(long now, out long wakeAt)
        {
            wakeAt = 0;
            return ShapeAction.Send;
        }

        /// <summary>When the bytes allowed so far on this schedule are due, in loop milliseconds.</summary>
        private long Due() => _start + (long)(_bytes * 1000.0 / _rate);
    }
}
