using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Net;
using TcpLb.Engine.Proxying;
using TcpLb.Engine.Proxying.Toxics;

namespace TcpLb.Engine.Backends
{
    /// <summary>
    /// Applies a backend's latency, jitter and bandwidth limit to each echoed chunk, with the
    /// balancer's <see cref="LatencyToxic"/> and <see cref="BandwidthToxic"/>. The behavior is read
    /// again for every chunk, so changes reach connections already open.
    /// </summary>
    internal sealed class BehaviorShaper : IChunkShaper, IToxicConnection
    {
        private readonly TcpBackendBehavior _behavior;
        private readonly CancellationToken _stopping;
        private ToxicPipe? _pipe;

        public BehaviorShaper(TcpBackendBehavior behavior, CancellationToken stopping)
        {
            _behavior = behavior;
            _stopping = stopping;
        }

        public bool Ended => false;

        CancellationToken IToxicConnection.Ended => _stopping;

        public Task? TrySendShapedAsync(Socket destination, SocketAwaitableEventArgs args, byte[] buffer, int count)
        {
            if (!_behavior.Current.IsShaped)
            {
                return null;
            }
            _pipe ??= new ToxicPipe(
                new IToxic[] { new LatencyToxic(new LatencySource(_behavior)), new BandwidthToxic(new BandwidthSource(_behavior)) },
                this);
            return _pipe.TrySendShapedAsync(destination, args, buffer, count);
        }

        public Task? TryShutdownShapedAsync(Socket destination) => null;

        // A backend's latency and bandwidth never end a connection.
        void IToxicConnection.Reset()
        {
        }

        void IToxicConnection.Close()
        {
        }

        void IToxicConnection.Cancel()
        {
        }

        void IChunkShaper.Cancel()
        {
        }

        private sealed class LatencySource : IToxicSource
        {
            private readonly TcpBackendBehavior _behavior;

            public LatencySource(TcpBackendBehavior behavior) => _behavior = behavior;

            public ToxicDefinition Current => _behavior.Current.LatencyToxic;

            public bool IsActive => _behavior.Current.HasDelay;
        }

        private sealed class BandwidthSource : IToxicSource
        {
            private readonly TcpBackendBehavior _behavior;

            public BandwidthSource(TcpBackendBehavior behavior) => _behavior = behavior;

            public ToxicDefinition Current => _behavior.Current.BandwidthToxic;

            public bool IsActive => _behavior.Current.BandwidthBytesPerSecond > 0;
        }
    }
}
