using System;
using System.Net;
using System.Threading;

namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>
    /// The engine's loops for one listening address: <c>loopCount</c> threads, and either one
    /// SO_REUSEPORT listener per loop (the kernel spreads new connections; nothing crosses threads)
    /// or one listener on the first loop that hands connections to the loops in turn. Each accepted
    /// connection goes to <see cref="IAcceptHandler"/> on the thread of the loop that will own it.
    /// Stopping closes the listeners, resets every connection and joins the threads; the port is free
    /// when <see cref="Dispose"/> returns.
    /// </summary>
    internal sealed class LoopGroup : IAcceptHandler, IDisposable
    {
        private readonly IAcceptHandler _handler;
        private readonly EpollLoop[] _loops;
        private readonly LoopListener[] _listeners;
        private readonly bool _reusePort;
        private int _nextLoop = -1;
        private bool _stopped;

        public LoopGroup(IPEndPoint endPoint, int loopCount, bool reusePort, int backlog, IAcceptHandler handler, ILoopTrace? trace = null, int bufferSize = 16 * 1024, int maxRetainedBuffers = 1024)
        {
            if (loopCount < 1 || loopCount > 256)
            {
                throw new ArgumentOutOfRangeException(nameof(loopCount), loopCount, "The loop count is from 1 to 256.");
            }
            _handler = handler ?? throw new ArgumentNullException(nameof(handler));
            _reusePort = reusePort;
            _loops = new EpollLoop[loopCount];
            _listeners = new LoopListener[reusePort ? loopCount : 1];
            LocalEndPoint = endPoint ?? throw new ArgumentNullException(nameof(endPoint));
            try
            {
                for (int i = 0; i < _loops.Length; i++)
                {
                    _loops[i] = new EpollLoop("tcplb-loop-" + i, trace, bufferSize, maxRetainedBuffers);
                }
                for (int i = 0; i < _listeners.Length; i++)
                {
                    int fd = NativeSocket.Listen(LocalEndPoint, reusePort, backlog);
                    _listeners[i] = new LoopListener(_loops[i], fd, this);
                    if (i == 0)
                    {
                        // Port 0: the first listener picks the port, the others join it.
                        LocalEndPoint = NativeSocket.LocalEndPoint(fd) ?? endPoint;
                    }
                }
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        /// <summary>The bound address (the real port when 0 was asked for).</summary>
        public IPEndPoint LocalEndPoint { get; }

        public EpollLoop[] Loops => _loops;

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

        void IAcceptHandler.OnAccepted(EpollLoop loop, int fd, in SockAddrBuffer peer)
        {
            EpollLoop target = _reusePort ? loop : _loops[(int)((uint)Interlocked.Increment(ref _nextLoop) % (uint)_loops.Length)];
            if (ReferenceEquals(target, loop))
            {
                _handler.OnAccepted(loop, fd, in peer);
            }
            else
            {
                target.Post(new HandOff(_handler, fd, peer));
            }
        }

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
                if (!loop.IsRunning && i < _listeners.Length)
                {
                    _listeners[i]?.Abort(); // never registered: its descriptor is closed here
                }
                loop.Dispose();
            }
        }

        /// <summary>A connection accepted on one loop, taken up by another (reset if that loop stops first).</summary>
        private sealed class HandOff : ILoopWorkItem, IDisposable
        {
            private readonly IAcceptHandler _handler;
            private readonly int _fd;
            private readonly SockAddrBuffer _peer;

            public HandOff(IAcceptHandler handler, int fd, SockAddrBuffer peer)
            {
                _handler = handler;
                _fd = fd;
                _peer = peer;
            }

            public void Execute(EpollLoop loop) => _handler.OnAccepted(loop, _fd, in _peer);

            public void Dispose() => NativeSocket.Reset(_fd);
        }
    }
}
