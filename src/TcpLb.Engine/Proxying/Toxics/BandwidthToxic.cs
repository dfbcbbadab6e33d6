using System;
using System.Diagnostics;
using System.Threading.Tasks;

namespace TcpLb.Engine.Proxying.Toxics
{
    /// <summary>
    /// Paces a direction to a number of bytes per second: passes slices of about 50 ms' worth and
    /// waits until each is due. It keeps a schedule, so timer lateness (a busy machine) does not
    /// add up over a long transfer, but a connection idle for more than a slice's time saves up no
    /// credit for a burst. The rate is read for every chunk, so a change reaches open connections.
    /// </summary>
    internal sealed class BandwidthToxic : IToxic
    {
        private const int SlicesPerSecond = 20;
        private static readonly long Slack = Stopwatch.Frequency / SlicesPerSecond;

        private readonly IToxicSource _source;
        private long _rate;
        private long _start;
        private long _bytes;
        private long _lastActive;

        public BandwidthToxic(IToxicSource source) => _source = source;

        public void Start(ToxicLink next)
        {
        }

        public Task SendAsync(ToxicLink next, byte[] buffer, int offset, int count)
        {
            long rate = _source.IsActive ? _source.Current.RateBytesPerSecond : 0;
            return rate > 0 ? PaceAsync(next, rate, buffer, offset, count) : next.SendAsync(buffer, offset, count);
        }

        public Task CloseAsync(ToxicLink next) => next.CloseAsync();

        private async Task PaceAsync(ToxicLink next, long bytesPerSecond, byte[] buffer, int offset, int count)
        {
            int slice = (int)Math.Max(1, Math.Min(int.MaxValue, bytesPerSecond / SlicesPerSecond));
            while (count > 0)
            {
                int size = Math.Min(slice, count);
                long now = Stopwatch.GetTimestamp();
                if (bytesPerSecond != _rate || now - _lastActive > Slack)
                {
                    // A new rate, or the source was idle: start a new schedule.
                    _rate = bytesPerSecond;
                    _start = now;
                    _bytes = 0;
                }
                await next.SendAsync(buffer, offset, size).ConfigureAwait(false);
                offset += size;
                count -= size;
                _bytes += size;

                long wait = Due() - Stopwatch.GetTimestamp();
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromTicks((long)(wait * ((double)TimeSpan.TicksPerSecond / Stopwatch.Frequency))), next.Connection.Ended).ConfigureAwait(false);
                }
                _lastActive = Stopwatch.GetTimestamp();
            }
        }

        /// <summary>When the bytes sent so far on this schedule are due, as a Stopwatch timestamp.</summary>
        private long Due() => _rate == 0 ? _start : _start + (long)(_bytes * (double)Stopwatch.Frequency / _rate);
    }
}
