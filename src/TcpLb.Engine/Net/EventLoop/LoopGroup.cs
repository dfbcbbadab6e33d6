using System;
using System.Net;
using System.Threading;

namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>
    /// The engine's loops for one listening address: <c>loopCount</c> threads, and a
    /// <see cref="LoopLayout"/>: one SO_REUSEPORT listener per loop (the kernel spreads new
    /// connections; nothing crosses threads), one listener on the first loop that hands connections
    /// to the loops in turn, or a listener per loop whose connections go to the least loaded loop
    /// (of all loops, or of those a <see cref="LoopPacker"/> keeps active; the kernel is told to give
    /// new connections to the active loops' listeners only, see <see cref="ReusePortSteering"/>).
    /// Each accepted connection goes to <see cref="IAcceptHandler"/> on the thread of the loop that
    /// will own it.
    /// Stopping closes the listeners, resets every connection and joins the threads; the port is free
    /// when <see cref="Dispose"/> returns.
    /// </summary>
    internal sealed class LoopGroup : IAcceptHandler, ILoopRebalancer, IDisposable
    {
        private readonly IAcceptHandler _handler;
        private readonly ILoopRebalancer? _rebalancer;
        private readonly ILoopTrace? _trace;
        private readonly EpollLoop[] _loops;
        private readonly LoopListener[] _listeners;
        private readonly LoopLayout _layout;
        private readonly int[] _handingOff; // per loop: connections posted to it, not yet taken up (LeastLoaded)
        private readonly HandOff?[] _spareHandOffs = new HandOff?[SpareHandOffs]; // taken up, for the next (a new connection allocates none)
        private readonly int _backlog;
        private readonly LoopPacker? _packer;
        private readonly object _listening = new object();
        private int _nextLoop = -1;
        private long _handOffs;
        private bool _steers = true;
        private bool _stopped;

        /// <param name="rebalancer">Who moves open connections when the <see cref="LoopLayout.Packed"/> layout changes the active loops (without one, every loop is active).</param>
        public LoopGroup(IPEndPoint endPoint, int loopCount, LoopLayout layout, int backlog, IAcceptHandler handler, ILoopTrace? trace = null, int bufferSize = NativeBufferPool.DefaultBufferSize, int maxRetainedBuffers = NativeBufferPool.DefaultMaxRetained, ILoopRebalancer? rebalancer = null)
        {
            if (loopCount < 1 || loopCount > 256)
            {
                throw new ArgumentOutOfRangeException(nameof(loopCount), loopCount, "The loop count is from 1 to 256.");
            }
            _handler = handler ?? throw new ArgumentNullException(nameof(handler));
            _rebalancer = rebalancer;
            _trace = trace;
            _layout = layout;
            bool reusePort = ReusesPort;
            _handingOff = new int[loopCount];
            _backlog = backlog;
            _loops = new EpollLoop[loopCount];
            _listeners = new LoopListener[reusePort ? loopCount : 1];
            LocalEndPoint = endPoint ?? throw new ArgumentNullException(nameof(endPoint));
            try
            {
                for (int i = 0; i < _loops.Length; i++)
                {
                    _loops[i] = new EpollLoop("tcplb-loop-" + i, trace, bufferSize, maxRetainedBuffers);
                }
                if (reusePort)
                {
                    // Nobody may hold the port, not even another SO_REUSEPORT group of this user (it would share its clients).
                    LocalEndPoint = NativeSocket.ClaimPort(LocalEndPoint);
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
                if (layout == LoopLayout.Packed && loopCount > 1 && rebalancer != null)
                {
                    _packer = new LoopPacker(_loops, this, trace);
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

        public LoopLayout Layout => _layout;

        /// <summary>The loops that take new connections: the first <see cref="ActiveLoops"/> (all but while packed).</summary>
        public int ActiveLoops => _packer?.Active ?? _loops.Length;

        /// <summary>The packer of the <see cref="LoopLayout.Packed"/> layout (null in the others).</summary>
        internal LoopPacker? Packer => _packer;

        /// <summary>Connections accepted on one loop and posted to another so far.</summary>
        public long HandOffs => Interlocked.Read(ref _handOffs);

        /// <summary>A SO_REUSEPORT listener per loop (every layout but <see cref="LoopLayout.HandOff"/>).</summary>
        private bool ReusesPort => _layout != LoopLayout.HandOff;

        /// <summary>Whether the listeners are open (false between <see cref="StopListening"/> and <see cref="StartListening"/>).</summary>
        public bool IsListening { get; private set; } = true;

        /// <summary>
        /// Closes the listeners: new connections are refused (the balancer's outage Refuse), open ones
        /// go on. From any thread; the port is no longer listened on when this returns.
        /// </summary>
        public void StopListening()
        {
            lock (_listening)
            {
                if (!IsListening || _stopped)
                {
                    return;
                }
                IsListening = false;
                using (var closed = new CountdownEvent(_listeners.Length))
                {
                    for (int i = 0; i < _listeners.Length; i++)
                    {
                        var close = new CloseListener(_listeners[i], closed);
                        if (_loops[i].IsLoopThread || !_loops[i].IsRunning)
                        {
                            close.Execute(_loops[i]);
                        }
                        else
                        {
                            _loops[i].Post(close);
                        }
                    }
                    // A loop that stops meanwhile closes its listener itself (Stop closes every descriptor).
                    while (!closed.Wait(100))
                    {
                        if (_stopped)
                        {
                            break;
                        }
                    }
                }
            }
        }

        /// <summary>
        /// Listens again on the same address and port after <see cref="StopListening"/>; a
        /// <see cref="ListenerBindException"/> when another socket took the port meanwhile.
        /// </summary>
        public void StartListening()
        {
            lock (_listening)
            {
                if (IsListening || _stopped)
                {
                    return;
                }
                var fds = new int[_listeners.Length];
                int opened = 0;
                try
                {
                    for (; opened < fds.Length; opened++)
                    {
                        fds[opened] = NativeSocket.Listen(LocalEndPoint, ReusesPort, _backlog);
                    }
                }
                catch
                {
                    for (int i = 0; i < opened; i++)
                    {
                        NativeSocket.Reset(fds[i]);
                    }
                    throw;
                }
                for (int i = 0; i < fds.Length; i++)
                {
                    _listeners[i] = new LoopListener(_loops[i], fds[i], this);
                    _loops[i].Post(_listeners[i]);
                }
                IsListening = true;
                SteerNewConnections(); // a new group: the kernel's hash until told
            }
        }

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
            _packer?.Start();
        }

        void IAcceptHandler.OnAccepted(EpollLoop loop, int fd, in SockAddrBuffer peer)
        {
            int target = _layout switch
            {
                LoopLayout.ReusePort => -1,
                LoopLayout.HandOff => (int)((uint)Interlocked.Increment(ref _nextLoop) % (uint)_loops.Length),
                _ => LeastLoaded(loop),
            };
            if (target < 0 || ReferenceEquals(_loops[target], loop))
            {
                _handler.OnAccepted(loop, fd, in peer);
            }
            else
            {
                Interlocked.Increment(ref _handOffs);
                Interlocked.Increment(ref _handingOff[target]);
                _loops[target].Post(RentHandOff(target, fd, in peer));
            }
        }

        /// <summary>
        /// The active loop with the fewest open sockets, counting each connection on its way to a loop
        /// as the two it will have (read without locks: a snapshot is enough to spread); -1 (stay)
        /// when the accepting loop is among the least loaded.
        /// </summary>
        private int LeastLoaded(EpollLoop accepting)
        {
            int best = -1;
            int bestLoad = int.MaxValue;
            int active = ActiveLoops;
            for (int i = 0; i < active; i++)
            {
                int load = LoadOf(i);
                if (load < bestLoad || (load == bestLoad && ReferenceEquals(_loops[i], accepting)))
                {
                    best = i;
                    bestLoad = load;
                }
            }
            return ReferenceEquals(_loops[best], accepting) ? -1 : best;
        }

        /// <summary>The packer changed the active loops: new connections go to the new set first, then the open ones follow.</summary>
        void ILoopRebalancer.Rebalance(int wasActive, int active)
        {
            SteerNewConnections();
            _rebalancer!.Rebalance(wasActive, active);
        }

        /// <summary>
        /// Tells the kernel to give new connections to the active loops' listeners only, so that an
        /// inactive loop accepts none to hand across (only those already in its queue). Where the
        /// kernel refuses, the hand-offs do the same work and steering is not tried again.
        /// </summary>
        private void SteerNewConnections()
        {
            if (_packer == null)
            {
                return;
            }
            lock (_listening)
            {
                // The listeners' descriptors stay open while the group listens (closing them takes this lock).
                if (!_steers || !IsListening || _stopped)
                {
                    return;
                }
                int errno = ReusePortSteering.Steer(_listeners[0].Fd, ActiveLoops, _listeners.Length);
                if (errno != 0)
                {
                    _steers = false;
                    _trace?.Faulted("loop group", new InvalidOperationException("The kernel refused to steer new connections to the active loops (errno " + errno + "); they are handed across instead."));
                }
            }
        }

        /// <summary>Loop <paramref name="index"/>'s open sockets and the connections handed to it not yet taken up (two sockets each).</summary>
        internal int LoadOf(int index) => _loops[index].OpenSockets + 2 * Volatile.Read(ref _handingOff[index]);

        public void Dispose()
        {
            if (_stopped)
            {
                return;
            }
            _stopped = true;
            if (_packer != null)
            {
                // No rebalance starts now; let the last one's moves land before any loop stops
                // (a move posted to a stopped loop would leave its descriptors open): one round for
                // the rebalance items, one for the moves they posted.
                _packer.Dispose();
                RunPostedWork();
                RunPostedWork();
            }
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

        /// <summary>Waits until every running loop has run what was posted to it before now.</summary>
        private void RunPostedWork()
        {
            // Not disposed: a loop too slow for the wait may still signal it afterwards.
            var done = new CountdownEvent(_loops.Length);
            foreach (EpollLoop loop in _loops)
            {
                if (loop != null && loop.IsRunning && !loop.IsLoopThread)
                {
                    loop.Post(new Signal(done));
                }
                else
                {
                    done.Signal();
                }
            }
            done.Wait(TimeSpan.FromSeconds(5));
        }

        /// <summary>Signals once it runs, or once its loop drops it while stopping.</summary>
        private sealed class Signal : ILoopWorkItem, IDisposable
        {
            private readonly CountdownEvent _done;

            public Signal(CountdownEvent done) => _done = done;

            public void Execute(EpollLoop loop) => _done.Signal();

            public void Dispose() => _done.Signal();
        }

        /// <summary>Closes one listener on its own loop and says so.</summary>
        private sealed class CloseListener : ILoopWorkItem, IDisposable
        {
            private readonly LoopListener _listener;
            private readonly CountdownEvent _closed;

            public CloseListener(LoopListener listener, CountdownEvent closed)
            {
                _listener = listener;
                _closed = closed;
            }

            public void Execute(EpollLoop loop) => Dispose();

            public void Dispose()
            {
                _listener.Abort();
                _closed.Signal();
            }
        }

        /// <summary>A connection accepted on one loop, taken up by another (reset if that loop stops first).</summary>
        private const int SpareHandOffs = 16;

        /// <summary>A hand-off of <paramref name="fd"/> to loop <paramref name="target"/>: a spare one if there is one (from any thread).</summary>
        private HandOff RentHandOff(int target, int fd, in SockAddrBuffer peer)
        {
            HandOff? handOff = null;
            for (int i = 0; i < _spareHandOffs.Length && handOff == null; i++)
            {
                handOff = Interlocked.Exchange(ref _spareHandOffs[i], null);
            }
            handOff ??= new HandOff(this);
            handOff.Set(target, fd, in peer);
            return handOff;
        }

        /// <summary>Keeps a hand-off that has been taken up for the next, if a spare place is free.</summary>
        private void ReturnHandOff(HandOff handOff)
        {
            for (int i = 0; i < _spareHandOffs.Length; i++)
            {
                if (Interlocked.CompareExchange(ref _spareHandOffs[i], handOff, null) == null)
                {
                    return;
                }
            }
        }

        /// <summary>An accepted connection on its way to another loop; reused (see <see cref="RentHandOff"/>).</summary>
        private sealed class HandOff : ILoopWorkItem, IDisposable
        {
            private readonly LoopGroup _group;
            private int _target;
            private int _fd;
            private SockAddrBuffer _peer;

            public HandOff(LoopGroup group) => _group = group;

            public void Set(int target, int fd, in SockAddrBuffer peer)
            {
                _target = target;
                _fd = fd;
                _peer = peer;
            }

            public void Execute(EpollLoop loop)
            {
                int target = _target;
                int fd = _fd;
                SockAddrBuffer peer = _peer;
                _group.ReturnHandOff(this); // its fields are read: the next connection may have it
                try
                {
                    _group._handler.OnAccepted(loop, fd, in peer);
                }
                finally
                {
                    // After: its sockets count on the loop by now (counted twice for a moment, never missed).
                    Interlocked.Decrement(ref _group._handingOff[target]);
                }
            }

            public void Dispose()
            {
                Interlocked.Decrement(ref _group._handingOff[_target]);
                NativeSocket.Reset(_fd);
            }
        }
    }
}
