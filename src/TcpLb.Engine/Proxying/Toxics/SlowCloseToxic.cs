using System.Threading.Tasks;

namespace TcpLb.Engine.Proxying.Toxics
{
    /// <summary>Holds the FIN back for Delay: the peer sees the data, then a connection that lingers before it closes.</summary>
    internal sealed class SlowCloseToxic : IToxic
    {
        private readonly IToxicSource _source;

        public SlowCloseToxic(IToxicSource source) => _source = source;

        public void Start(ToxicLink next)
        {
        }

        public Task SendAsync(ToxicLink next, byte[] buffer, int offset, int count) => next.SendAsync(buffer, offset, count);

        public async Task CloseAsync(ToxicLink next)
        {
            if (_source.IsActive && _source.Current.Delay > System.TimeSpan.Zero)
            {
                await Task.Delay(_source.Current.Delay, next.Connection.Ended).ConfigureAwait(false);
            }
            await next.CloseAsync().ConfigureAwait(false);
        }
    }
}
