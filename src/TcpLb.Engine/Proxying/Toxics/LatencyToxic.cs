using System;
using System.Threading.Tasks;

namespace TcpLb.Engine.Proxying.Toxics
{
    /// <summary>Delays each chunk by Latency ± Jitter; read for every chunk, so a change reaches open connections.</summary>
    internal sealed class LatencyToxic : IToxic
    {
        private readonly IToxicSource _source;

        public LatencyToxic(IToxicSource source) => _source = source;

        public void Start(ToxicLink next)
        {
        }

        public Task SendAsync(ToxicLink next, byte[] buffer, int offset, int count)
        {
            TimeSpan delay = _source.IsActive ? _source.Current.NextDelay() : TimeSpan.Zero;
            return delay > TimeSpan.Zero ? SendLaterAsync(next, delay, buffer, offset, count) : next.SendAsync(buffer, offset, count);
        }

        public Task CloseAsync(ToxicLink next) => next.CloseAsync();

        private static async Task SendLaterAsync(ToxicLink next, TimeSpan delay, byte[] buffer, int offset, int count)
        {
            await Task.Delay(delay, next.Connection.Ended).ConfigureAwait(false);
            await next.SendAsync(buffer, offset, count).ConfigureAwait(false);
        }
    }
}
