using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Net;
using TcpLb.Engine.Proxying;

namespace TcpLb.Engine.Backends
{
    /// <summary>
    /// Applies a backend's latency, jitter and bandwidth limit to each echoed chunk. The behavior
    /// is read again for every chunk, so changes reach connections already open.
    /// </summary>
    internal sealed class BehaviorShaper : IChunkShaper
    {
        private readonly TcpBackendBehavior _behavior;
        private readonly CancellationToken _stopping;
        private SendPacer? _pacer;

        public BehaviorShaper(TcpBackendBehavior behavior, CancellationToken stopping)
        {
            _behavior = behavior;
            _stopping = stopping;
        }

        public Task? TrySendShapedAsync(Socket destination, SocketAwaitableEventArgs args, byte[] buffer, int count)
        {
            TcpBackendBehavior.Snapshot shape = _behavior.Current;
            return shape.IsShaped ? SendShapedAsync(shape, destination, args, buffer, count) : null;
        }

        private async Task SendShapedAsync(TcpBackendBehavior.Snapshot shape, Socket destination, SocketAwaitableEventArgs args, byte[] buffer, int count)
        {
            if (shape.HasDelay)
            {
                await Task.Delay(shape.NextDelay(), _stopping).ConfigureAwait(false);
            }
            _pacer ??= new SendPacer();
            await _pacer.SendAsync(destination, args, buffer, 0, count, shape.BandwidthBytesPerSecond, _stopping).ConfigureAwait(false);
        }
    }
}
