using System;
using System.Threading.Tasks;

namespace TcpLb.Engine.Proxying.Toxics
{
    /// <summary>
    /// Cuts each chunk into slices of AverageSize ± SizeVariation bytes, Delay apart: the same
    /// bytes, in order, in many small writes (a peer that reads them sees many small reads).
    /// </summary>
    internal sealed class SlicerToxic : IToxic
    {
        private readonly IToxicSource _source;

        public SlicerToxic(IToxicSource source) => _source = source;

        public void Start(ToxicLink next)
        {
        }

        public async Task SendAsync(ToxicLink next, byte[] buffer, int offset, int count)
        {
            ToxicDefinition settings = _source.Current;
            if (!_source.IsActive)
            {
                await next.SendAsync(buffer, offset, count).ConfigureAwait(false);
                return;
            }
            while (count > 0)
            {
                int size = Math.Min(count, Math.Max(1, ToxicRandom.Next(settings.AverageSize - settings.SizeVariation, settings.AverageSize + settings.SizeVariation)));
                await next.SendAsync(buffer, offset, size).ConfigureAwait(false);
                offset += size;
                count -= size;
                if (count > 0 && settings.Delay > TimeSpan.Zero)
                {
                    await Task.Delay(settings.Delay, next.Connection.Ended).ConfigureAwait(false);
                }
            }
        }

        public Task CloseAsync(ToxicLink next) => next.CloseAsync();
    }
}
