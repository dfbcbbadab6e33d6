using System;
using System.Net;
using System.Threading.Tasks;
using TcpLb.Engine.Net.EventLoop;

namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>
    /// The accepting half of a relay on the engine's loops, ready for the balancer's Linux transport:
    /// a <see cref="LoopGroup"/> whose every accepted client becomes a <see cref="LoopRelayConnection"/>
    /// reporting to one <see cref="IRelayObserver"/>, kept in one <see cref="RelayConnectionSet"/>
    /// (live deadlines, the outage hold), and handed to an <see cref="IRelayAdmission"/> that decides
    /// what happens to it. <see cref="LoopRelay"/> is the featureless owner; the balancer's transport
    /// is meant to be another (its pipeline the observer and the admission).
    /// </summary>
    internal sealed class RelayListener : IAcceptHandler, ILoopRebalancer, IDisposable
    {
        private readonly IRelayObserver? _observer;
        private readonly IRelayAdmission _admission;
        private readonly LoopGroup _group;

        public RelayListener(RelayListenerOptions options, IRelayObserver? observer, IRelayAdmission admission)
        {
            if (options == null)
            {
                throw new ArgumentNullException(nameof(options));
            }
            _observer = observer;
            _admission = admission ?? throw new ArgumentNullException(nameof(admission));
            _group = new LoopGroup(options.ListenEndPoint, options.LoopCount, options.Layout, options.Backlog, this, options.Trace, options.BufferSize, options.MaxRetainedBuffers, this);
            Connections = new RelayConnectionSet(_group.Loops, options.Timeouts);
        }

        /// <summary>The bound address (the real port when 0 was asked for).</summary>
        public IPEndPoint LocalEndPoint => _group.LocalEndPoint;

        internal EpollLoop[] Loops => _group.Loops;

        /// <summary>The loops taking new connections (all of them but in the packed layout).</summary>
        internal int ActiveLoops => _group.ActiveLoops;

        internal LoopPacker? Packer => _group.Packer;

        /// <summary>Connections accepted on one loop and handed to another so far.</summary>
        internal long HandOffs => _group.HandOffs;

        /// <summary>The open connections, by loop: live deadlines (<see cref="RelayConnectionSet.ApplyTimeouts"/>), the outage hold.</summary>
        public RelayConnectionSet Connections { get; }

        public void Start() => _group.Start();

        /// <summary>Closes the listeners (new clients are refused: the outage Refuse); open connections go on. Any thread.</summary>
        public void StopListening() => _group.StopListening();

        /// <summary>Listens again on the same port; a ListenerBindException when another socket took it meanwhile.</summary>
        public void StartListening() => _group.StartListening();

        public bool IsListening => _group.IsListening;

        void IAcceptHandler.OnAccepted(EpollLoop loop, int fd, in SockAddrBuffer peer)
        {
            LoopRelayConnection connection = LoopRelayConnection.Accept(loop, fd, in peer, _observer, Connections);
            try
            {
                _admission.OnAccepted(connection);
            }
            catch
            {
                // An admission or observer that threw (a connect that completed at once, a preamble
                // already there): this connection ends, the loop goes on.
                connection.Abort();
                throw;
            }
        }

        /// <summary>
        /// Asks <paramref name="connection"/>'s loop to move it to loop <paramref name="targetLoop"/> of
        /// this group (any thread): true once it relays there, false when it could not move (see
        /// <see cref="LoopRelayConnection.CanMove"/>; or it moved elsewhere or ended meanwhile).
        /// </summary>
        public Task<bool> RequestMove(LoopRelayConnection connection, int targetLoop)
        {
            EpollLoop[] loops = _group.Loops;
            if (targetLoop < 0 || targetLoop >= loops.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(targetLoop), targetLoop, $"A loop index is 0 to {loops.Length - 1}.");
            }
            var request = new MoveRequest(connection ?? throw new ArgumentNullException(nameof(connection)), loops[targetLoop]);
            connection.Loop.Post(request);
            return request.Done.Task;
        }

        /// <summary>The packer changed the active loops: each loop whose share changed moves connections, on its own thread.</summary>
        void ILoopRebalancer.Rebalance(int wasActive, int active)
        {
            EpollLoop[] loops = _group.Loops;
            int from = active > wasActive ? 0 : active;
            for (int i = from; i < wasActive && i < loops.Length; i++)
            {
                loops[i].Post(new Rebalance(Connections.ListOf(loops[i]), loops, wasActive, active));
            }
        }

        /// <summary>Stops every loop: listeners closed, connections reset, threads joined; the port is free when this returns.</summary>
        public void Dispose() => _group.Dispose();
    
        /// <summary>
        /// One loop's part of a change in the active loops, on that loop: more loops, and every
        /// connection whose turn (its place in the list, modulo the new count) falls on a new loop
        /// goes there, so each gives the newcomers their share; fewer, and a loop that left gives every
        /// connection to the remaining ones in turn. A connection that cannot move now stays.
        /// </summary>
        private sealed class Rebalance : ILoopWorkItem
        {
            private readonly RelayConnectionSet.ConnectionList _list;
            private readonly EpollLoop[] _loops;
            private readonly int _wasActive;
            private readonly int _active;

            public Rebalance(RelayConnectionSet.ConnectionList list, EpollLoop[] loops, int wasActive, int active)
            {
                _list = list;
                _loops = loops;
                _wasActive = wasActive;
                _active = active;
            }

            public void Execute(EpollLoop loop)
            {
                bool growing = _active > _wasActive;
                int turn = 0;
                LoopRelayConnection? connection = _list.First;
                while (connection != null)
                {
                    LoopRelayConnection? next = connection.ListNext; // a move unlinks it
                    int target = turn++ % _active;
                    if (!growing || target >= _wasActive)
                    {
                        try
                        {
                            connection.TryMove(_loops[target]);
                        }
                        catch (Exception e)
                        {
                            // A move that failed half-way costs its own connection only.
                            loop.ReportFault(e);
                            connection.Abort();
                        }
                    }
                    connection = next;
                }
            }
        }

        /// <summary>A move asked from another thread, run on the connection's loop (rare: it may allocate).</summary>
        private sealed class MoveRequest : ILoopWorkItem, IDisposable
        {
            private readonly LoopRelayConnection _connection;
            private readonly EpollLoop _target;

            public MoveRequest(LoopRelayConnection connection, EpollLoop target)
            {
                _connection = connection;
                _target = target;
            }

            public TaskCompletionSource<bool> Done { get; } = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

            public void Execute(EpollLoop loop)
            {
                // The connection may have moved since the post (then this is not its loop any more).
                if (!ReferenceEquals(loop, _connection.Loop) || !_connection.TryMove(_target, arrived => Done.TrySetResult(arrived)))
                {
                    Done.TrySetResult(false);
                }
            }

            public void Dispose() => Done.TrySetResult(false);
        }
    }
}
