using System;
using System.Threading.Tasks;

namespace TcpLb.Engine.Proxying.Toxics
{
    /// <summary>
    /// Passes exactly Bytes bytes of the direction, then its FIN; the rest of what the source sends
    /// is not read. The connection then ends as after any FIN.
    /// </summary>
    internal sealed class LimitDataToxic : IToxic
    {
        private readonly long _limit;
        private long _passed;

        public LimitDataToxic(IToxicSource source) => _limit = source.Current.Bytes;

        public void Start(ToxicLink next)
        {
        }

        public async Task SendAsync(ToxicLink next, byte[] buffer, int offset, int count)
        {
            long left = _limit - _passed;
            if (left > 0)
            {
                int size = (int)Math.Min(count, left);
                await next.SendAsync(buffer, offset, size).ConfigureAwait(false);
                _passed += size;
            }
            if (_passed >= _limit)
            {
                await next.CloseAsync().ConfigureAwait(false);
                next.EndDirection();
            }
        }

        public Task CloseAsync(ToxicLink next) => next.CloseAsync();
    }
}
