using System;
using System.Diagnostics;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Net;

namespace TcpLb.Engine.Backends
{
    /// <summary>
    /// Paces what one connection sends to a number of bytes per second: sends in slices of about
    /// 50 ms' worth and waits until each slice is due. It keeps a schedule, so timer lateness
    /// does not add up over a long transfer, but an idle connection saves up no credit for a
    /// burst. One per connection, made only when a limit is first needed.
    /// </summary>
    internal sealed class SendPacer
    {
        private const int SlicesPerSecond = 20;
        private static readonly long Slack = Stopwatch.Frequency / SlicesPerSecond;

        private long _rate;
        private long _start;
        private long _bytes;

        /// <summary>Sends every byte of the range at no more than <paramref name="bytesPerSecond"/> (0: at once).</summary>
        public async Task SendAsync(Socket socket, SocketAwaitableEventArgs args, byte[] buffer, int offset, int count, long bytesPerSecond, CancellationToken cancellationToken)
        {
            if (bytesPerSecond <= 0)
            {
                await socket.SendAllAsync(args, buffer, offset, count);
                return;
            }
            int slice = (int)Math.Max(1, Math.Min(int.MaxValue, bytesPerSecond / SlicesPerSecond));
            while (count > 0)
            {
                int size = Math.Min(slice, count);
                long now = Stopwatch.GetTimestamp();
                if (bytesPerSecond != _rate || now - Due() > Slack)
                {
                    // A new rate, or behind by more than a slice (idle, or a new chunk): start a new schedule.
                    _rate = bytesPerSecond;
                    _start = now;
                    _bytes = 0;
                }
                await socket.SendAllAsync(args, buffer, offset, size);
                offset += size;
                count -= size;
                _bytes += size;

                long wait = Due() - Stopwatch.GetTimestamp();
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromTicks((long)(wait * ((double)TimeSpan.TicksPerSecond / Stopwatch.Frequency))), cancellationToken).ConfigureAwait(false);
                }
            }
        }

        /// <summary>When the bytes sent so far on this schedule are due, as a Stopwatch timestamp.</summary>
        private long Due() => _rate == 0 ? _start : _start + (long)(_bytes * (double)Stopwatch.Frequency / _rate);
    }
}
