using System;
using System.Net;
using System.Threading;
using TcpLb.Engine.Net.EventLoop;

namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>
    /// A relay with no features, on the engine's own loops: accept, connect to the next backend
    /// round robin (exact across loops), carry bytes both ways. It proves the loop (tests, the bench);
    /// the balancer will sit on the same pieces: a <see cref="LoopGroup"/> and
    /// <see cref="LoopRelayConnection"/>s reporting to an <see cref="IRelayObserver"/>.
    /// </summary>
    internal sealed class LoopRelay : IAcceptHandler, IDisposable
    {
        private readonly LoopRelayOptions _options;
        private readonly NativeEndPoint[] _backends;
        private readonly LoopGroup _group;
        private readonly RelayConnectionSet _connections;
        private int _nextBackend = -1;

        public LoopRelay(LoopRelayOptions options)
        {
            _options = options ?? throw new ArgumentNullException(nameof(options));
            if (options.Backends.Count == 0)
            {
                throw new ArgumentException("The relay needs at least one backend.", nameof(options));
            }
            _backends = new NativeEndPoint[options.Backends.Count];
            for (int i = 0; i < _backends.Length; i++)
            {
                _backends[i] = new NativeEndPoint(options.Backends[i]);
            }
            _group = new LoopGroup(options.ListenEndPoint, options.LoopCount, options.ReusePort, options.Backlog, this, options.Trace, options.BufferSize, options.MaxRetainedBuffers);
            _connections = new RelayConnectionSet(_group.Loops, options.Timeouts);
        }

        public IPEndPoint LocalEndPoint => _group.LocalEndPoint;

        internal EpollLoop[] Loops => _group.Loops;

        /// <summary>The open connections, by loop: live deadlines (<see cref="RelayConnectionSet.ApplyTimeouts"/>), the outage hold.</summary>
        internal RelayConnectionSet Connections => _connections;

        public void Start() => _group.Start();

        void IAcceptHandler.OnAccepted(EpollLoop loop, int fd, in SockAddrBuffer peer)
        {
            LoopRelayConnection connection = LoopRelayConnection.Accept(loop, fd, in peer, _options.Observer, _connections);
            try
            {
                if (_options.HoldClients)
                {
                    connection.HoldForOutage();
                    return;
                }
                if (_options.ReplayCapacity > 0)
                {
                    connection.HoldClientBytes(_options.ReplayCapacity);
                }
                if (_options.PreambleMaxBytes > 0)
                {
                    connection.ReadPreamble(_options.PreambleMaxBytes, _options.PreambleTimeoutMilliseconds);
                    return;
                }
                connection.ConnectTo(_backends[(int)((uint)Interlocked.Increment(ref _nextBackend) % (uint)_backends.Length)]);
            }
            catch
            {
                // An observer that threw inside (a connect that completed at once, a preamble already
                // there): this connection ends, the loop goes on.
                connection.Abort();
                throw;
            }
        }

        /// <summary>Stops every loop: listeners closed, connections reset, threads joined; the port is free when this returns.</summary>
        public void Dispose() => _group.Dispose();
    }
}
