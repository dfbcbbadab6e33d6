using System;
using System.Net;
using System.Threading;
using TcpLb.Engine.Net.EventLoop;

namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>
    /// A relay with no features, on the engine's own loops: accept, connect to the next backend
    /// round robin, carry bytes both ways. It proves the loop (tests, the bench); the balancer
    /// will sit on the same pieces through <see cref="IRelayObserver"/>.
    /// </summary>
    internal sealed unsafe class LoopRelay : IAcceptHandler, IDisposable
    {
        private readonly LoopRelayOptions _options;
        private readonly NativeEndPoint[] _backends;
        private readonly EpollLoop[] _loops;
        private readonly LoopListener[] _listeners;
        private int _nextBackend = -1;
        private int _nextLoop = -1;
        private bool _stopped;

        public LoopRelay(LoopRelayOptions options)
        {
            _options = options ?? throw new ArgumentNullException(nameof(options));
            if (options.Backends.Count == 0)
            {
                throw new ArgumentException("The relay needs at least one backend.", nameof(options));
            }
            if (options.LoopCount < 1 || options.LoopCount > 256)
            {
                throw new ArgumentOutOfRangeException(nameof(options), options.LoopCount, "LoopCount is from 1 to 256.");
            }
            _backends = new NativeEndPoint[options.Backends.Count];
            for (int i = 0; i < _backends.Length; i++)
            {
                _backends[i] = new NativeEndPoint(options.Backends[i]);
            }
            _loops = new EpollLoop[options.LoopCount];
            _listeners = new LoopListener[options.ReusePort ? options.LoopCount : 1];
            try
            {
                IPEndPoint endPoint = options.ListenEndPoint;
                for (int i = 0; i < _loops.Length; i++)
                {
                    _loops[i] = new EpollLoop("tcplb-loop-" + i, options.Trace, options.BufferSize, options.MaxRetainedBuffers);
                }
                for (int i = 0; i < _listeners.Length; i++)
                {
                    int fd = NativeSocket.Listen(endPoint, options.ReusePort, options.Backlog);
                    _listeners[i] = new LoopListener(_loops[i], fd, this);
                    if (i == 0)
                    {
                        // Port 0: the first listener picks the port, the others join it.
                        LocalEndPoint = NativeSocket.LocalEndPoint(fd) ?? endPoint;
                        endPoint = LocalEndPoint;
                    }
                }
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public IPEndPoint LocalEndPoint { get; } = new IPEndPoint(IPAddress.Loopback, 0);

        internal EpollLoop[] Loops => _loops;

        public void Start()
        {
            foreach (EpollLoop loop in _loops)
            {
                loop.Start();
            }
            for (int i = 0; i < _listeners.Length; i++)
            {
                _loops[i].Post(_listeners[i]);
            }
        }

        void IAcceptHandler.OnAccepted(EpollLoop loop, int fd, byte* peer, int peerLength)
        {
            var address = default(SockAddrBuffer);
            address.CopyFrom(peer, peerLength);
            if (_options.ReusePort)
            {
                Relay(loop, fd, in address);
                return;
            }
            EpollLoop target = _loops[(int)((uint)Interlocked.Increment(ref _nextLoop) % (uint)_loops.Length)];
            if (ReferenceEquals(target, loop))
            {
                Relay(loop, fd, in address);
            }
            else
            {
                target.Post(new HandOff(this, fd) { Peer = address });
            }
        }

        private void Relay(EpollLoop loop, int fd, in SockAddrBuffer peer)
        {
            LoopRelayConnection connection = LoopRelayConnection.Accept(loop, fd, in peer, _options.Observer, _options.Timeouts);
            if (_options.PreambleMaxBytes > 0)
            {
                connection.ReadPreamble(_options.PreambleMaxBytes, _options.PreambleTimeoutMilliseconds);
                return;
            }
            NativeEndPoint backend = _backends[(int)((uint)Interlocked.Increment(ref _nextBackend) % (uint)_backends.Length)];
            try
            {
                connection.ConnectTo(backend);
            }
            catch
            {
                // An observer that threw on a connect that completed at once: this connection ends, the loop goes on.
                connection.Abort();
                throw;
            }
        }

        /// <summary>Stops every loop: listeners closed, connections reset, threads joined; the port is free when this returns.</summary>
        public void Dispose()
        {
            if (_stopped)
            {
                return;
            }
            _stopped = true;
            for (int i = 0; i < _loops.Length; i++)
            {
                EpollLoop? loop = _loops[i];
                if (loop == null)
                {
                    continue;
                }
                if (loop.IsRunning)
                {
                    loop.Stop();
                }
                else
                {
                    if (i < _listeners.Length)
                    {
                        _listeners[i]?.Abort();
                    }
                    loop.Dispose();
                }
            }
        }

        /// <summary>A connection accepted on one loop, taken up by another (reset if that loop stops first).</summary>
        private sealed class HandOff : ILoopWorkItem, IDisposable
        {
            private readonly LoopRelay _relay;
            private readonly int _fd;

            // The client's sockaddr, carried to the other loop by value.
            public SockAddrBuffer Peer;

            public HandOff(LoopRelay relay, int fd)
            {
                _relay = relay;
                _fd = fd;
            }

            public void Execute(EpollLoop loop) => _relay.Relay(loop, _fd, in Peer);

            public void Dispose() => NativeSocket.Reset(_fd);
        }
    }
}
