using System;
using System.Net;
using System.Threading;
using TcpLb.Engine.Net.EventLoop;
using static TcpLb.Engine.Net.EventLoop.LinuxNative;

namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>
    /// A client and its backend relayed on one <see cref="EpollLoop"/>: both directions run inline
    /// on the loop thread whenever either socket has an edge. A FIN becomes a send-shutdown on the
    /// other side after the buffer drains; the pair closes when both directions are done, or is reset
    /// when the other direction stays silent for the FIN timeout. A reset on either side resets the
    /// other (SO_LINGER 0). Its deadlines share one <see cref="LoopTimer"/> (LoopRelayConnection.Deadlines.cs);
    /// replay is in LoopRelayConnection.Replay.cs. What happens is told to the <see cref="IRelayObserver"/>.
    /// Loop thread only.
    /// </summary>
    internal sealed partial class LoopRelayConnection : IRelayConnection, ILoopSocketHandler, ILoopTimerHandler, ILoopWorkItem
    {
        /// <summary>Reads per direction per turn before the loop's other sockets get theirs.</summary>
        public const int ReadBudget = 16;

        private EpollLoop _loop; // changes only by a move (LoopRelayConnection.Move.cs)
        private readonly IRelayObserver? _observer;
        private readonly RelayTimeoutSettings _timeouts;
        private readonly RelayConnectionSet? _set;
        private RelayConnectionSet.ConnectionList? _list;
        private readonly LoopTimer _timer;
        private readonly RelayDirection _up = new RelayDirection(RelaySide.Client);
        private readonly RelayDirection _down = new RelayDirection(RelaySide.Server);
        private RelayReplay? _replay; // made by HoldClientBytes only
        private LoopSocket? _server;
        private bool _connecting;
        private bool _deferred;
        private bool _clientFinReported;
        private bool _connectLater;
        private volatile bool _abortRequested;
        private SockAddrBuffer _clientAddress;
        private RelayPreamble _preamble = RelayPreamble.None; // its own at ReadPreamble

        private LoopRelayConnection(EpollLoop loop, int clientFd, in SockAddrBuffer peer, IRelayObserver? observer, RelayTimeoutSettings timeouts, RelayConnectionSet? set)
        {
            RelayConnectionSet.ConnectionList? list = set?.ListOf(loop);
            _set = set;
            _clientAddress = peer;
            _loop = loop;
            _observer = observer;
            _timeouts = timeouts;
            _timer = new LoopTimer(this);
            _lastActivity = loop.Now;
            Client = loop.Register(clientFd, this);
            _up.Source = Client;
            _down.Destination = Client;
            _list = list;
            list?.Add(this);
        }

        /// <summary>The loop that owns the connection now (a move changes it; read from another thread, a snapshot).</summary>
        public EpollLoop Loop => Volatile.Read(ref _loop);

        public LoopSocket Client { get; private set; }

        /// <summary>The backend's socket; null before <see cref="ConnectTo"/> and after a failed attempt.</summary>
        public LoopSocket? Server => _server;

        public bool IsConnected => _server != null && !_connecting;

        public bool IsClosed { get; private set; }

        public bool ClientHasReset
        {
            get
            {
                int fd = Client.Fd;
                if (fd < 0 && !IsClosed)
                {
                    fd = Volatile.Read(ref _move)?.ClientFd ?? Client.Fd; // between loops: open, only unregistered
                }
                return IsClosed || fd < 0 || NativeSocket.TakeError(fd) != 0;
            }
        }

        /// <summary>Bytes read from the client (sent, or being sent, to the server).</summary>
        public long BytesFromClient => _up.Bytes;

        /// <summary>Bytes read from the server.</summary>
        public long BytesFromServer => _down.Bytes;

        /// <summary>Counters shared between connections, for statistics (null for none): the backend's, and the balancer's totals.</summary>
        public TrafficCounter? ClientCounter { get => _up.Counter; set => _up.Counter = value; }

        public TrafficCounter? ServerCounter { get => _down.Counter; set => _down.Counter = value; }

        public TrafficCounter? ClientTotalCounter { get => _up.TotalCounter; set => _up.TotalCounter = value; }

        public TrafficCounter? ServerTotalCounter { get => _down.TotalCounter; set => _down.TotalCounter = value; }

        /// <summary>The client's address as accepted (decoded on each call; null when not known).</summary>
        public IPEndPoint? ClientEndPoint => _clientAddress.ToEndPoint();

        /// <summary>For the observer: whatever it keeps per connection (the balancer's proxied connection).</summary>
        public object? State { get; set; }

        public bool IsHeldForOutage { get; private set; }

        public IConnectWitness? ConnectWitness { get; set; }

        // Links of the loop's list in its RelayConnectionSet.
        internal LoopRelayConnection? ListNext;
        internal LoopRelayConnection? ListPrevious;

        /// <summary>
        /// Takes an accepted client descriptor onto <paramref name="loop"/> (loop thread only), with the
        /// client's sockaddr from accept4 (empty when not known), as one of <paramref name="set"/>'s
        /// connections (its live deadlines, its outage list). TCP_NODELAY comes from the listener
        /// (<see cref="NativeSocket.Listen"/>): a descriptor accepted elsewhere sets it itself.
        /// </summary>
        public static LoopRelayConnection Accept(EpollLoop loop, int clientFd, in SockAddrBuffer peer, IRelayObserver? observer, RelayConnectionSet set)
        {
            try
            {
                return new LoopRelayConnection(loop, clientFd, in peer, observer, set.Timeouts, set);
            }
            catch
            {
                NativeSocket.Reset(clientFd);
                throw;
            }
        }

        /// <summary>As the other overload, with fixed deadlines and no set (tests; nothing to reach it from other threads but <see cref="RequestAbort"/>).</summary>
        public static LoopRelayConnection Accept(EpollLoop loop, int clientFd, in SockAddrBuffer peer, IRelayObserver? observer, RelayTimeouts timeouts)
        {
            try
            {
                return new LoopRelayConnection(loop, clientFd, in peer, observer, new RelayTimeoutSettings(timeouts), null);
            }
            catch
            {
                NativeSocket.Reset(clientFd);
                throw;
            }
        }

        /// <summary>
        /// Starts a non-blocking connect to <paramref name="backend"/>; the outcome comes as
        /// <see cref="IRelayObserver.OnConnected"/> or <see cref="IRelayObserver.OnConnectFailed"/>
        /// (a failure at once is reported before this returns). The client is read meanwhile; its
        /// bytes wait for the server.
        /// </summary>
        public void ConnectTo(NativeEndPoint backend)
        {
            if (IsClosed || _server != null)
            {
                throw new InvalidOperationException("The connection is closed or already has a server.");
            }
            if (IsHeldForOutage)
            {
                throw new InvalidOperationException("A client held for an outage is not connected; it is reset when the outage ends.");
            }
            int fd = NativeSocket.StartConnect(backend, out bool connected, ConnectWitness);
            if (fd < 0)
            {
                OnConnectFailed(-fd);
                return;
            }
            _server = _loop.Register(fd, this);
            _answered = false;
            _awaitingSince = 0;
            _down.HoldEmptyFin = true;
            if (connected)
            {
                OnConnected();
                return;
            }
            _connecting = true;
            int connect = _timeouts.ConnectMilliseconds;
            if (connect > 0)
            {
                _connectDeadline = _loop.Now + connect;
                ArmTimer();
            }
        }

        public void ReadPreamble(int maxBytes, int timeoutMilliseconds)
        {
            if (IsClosed || _server != null || _preamble.IsActive)
            {
                throw new InvalidOperationException("A preamble is read once, before the first connect.");
            }
            if (maxBytes < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(maxBytes), maxBytes, "A preamble is at least one byte.");
            }
            _preamble = new RelayPreamble();
            _preamble.Begin(maxBytes, timeoutMilliseconds > 0 ? _loop.Now + timeoutMilliseconds : 0);
            ArmTimer();
            Run();
        }

        /// <summary>
        /// Bytes the next server gets before any byte of the client's (the PROXY header of the
        /// attempt, or held bytes replayed): set before <see cref="ConnectTo"/>.
        /// </summary>
        public void SendFirst(byte[]? bytes) => _up.SetPrefix(bytes);

        public void ShapeWith(ILoopChunkShaper? up, ILoopChunkShaper? down)
        {
            _up.Shaper = up;
            _down.Shaper = down;
            _up.WakeAt = 0;
            _down.WakeAt = 0;
        }

        public void HoldForOutage()
        {
            if (IsClosed || _server != null || _preamble.IsActive)
            {
                throw new InvalidOperationException("Only a client without a server (and not reading a preamble) is held for an outage.");
            }
            if (!IsHeldForOutage)
            {
                IsHeldForOutage = true;
                _list?.OnHeld(1);
                ArmTimer(); // no idle timeout while held
                Run();
            }
        }

        public void OnReady(LoopSocket socket, uint events)
        {
            if (_connecting && ReferenceEquals(socket, _server))
            {
                if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0)
                {
                    return;
                }
                // EPOLLOUT alone means connected; only an error edge needs SO_ERROR to say why (one call saved per connection).
                if ((events & (EPOLLERR | EPOLLHUP)) != 0 || (events & EPOLLOUT) == 0)
                {
                    int error = NativeSocket.TakeError(socket.Fd);
                    FailConnect(error != 0 ? error : ECONNREFUSED);
                    return;
                }
                OnConnected();
                return;
            }
            if (socket.IsOpen)
            {
                Run();
            }
        }

        void ILoopWorkItem.Execute(EpollLoop loop)
        {
            if (!ReferenceEquals(loop, _loop) || _move != null)
            {
                FollowMove(loop);
                return;
            }
            if (_abortRequested)
            {
                Abort();
                return;
            }
            _deferred = false;
            Run();
        }

        /// <summary>Resets both sides now (a stop, a fault, a pipeline decision). Loop thread only.</summary>
        public void Abort() => End(reset: true);

        /// <summary>
        /// Resets both sides soon, from any thread (a stop, a backend disabled, a connection table
        /// sweep): the connection posts itself to its loop, which aborts it. Allocates nothing.
        /// </summary>
        public void RequestAbort()
        {
            if (_abortRequested || IsClosed)
            {
                return;
            }
            _abortRequested = true;
            Volatile.Read(ref _loop).Post(this);
        }

        /// <summary>Moves whatever can move both ways, then settles what the steps mean.</summary>
        private void Run()
        {
            if (IsClosed)
            {
                return;
            }
            if (_preamble.IsActive && !TakePreamble())
            {
                return;
            }
            NativeBufferPool pool = _loop.Buffers;
            long now = _loop.Now;
            LoopSocket? server = _server;
            _up.ClosesAfterFin = _down.Finished;
            RelayStep up = _up.Pump(pool, ReadBudget, now);
            if (up == RelayStep.SourceFailed)
            {
                Reset(RelaySide.Client, _up.Errno);
                return;
            }
            if (up == RelayStep.DestinationFailed)
            {
                if (!ServerFailedBeforeResponse(UnansweredEnd.Reset, server))
                {
                    Reset(RelaySide.Server, _up.Errno);
                }
                return;
            }
            if (up == RelayStep.ShapedClose || up == RelayStep.ShapedReset)
            {
                EndShaped(up);
                return;
            }
            long before = _down.Bytes;
            _down.ClosesAfterFin = _up.Finished;
            RelayStep down = _down.Pump(pool, ReadBudget, now);
            if (!_answered && _down.Bytes > 0 && before == 0)
            {
                OnAnswered();
                if (IsClosed)
                {
                    return; // the observer ended it
                }
            }
            else if (!_answered && _awaitingSince == 0 && IsConnected && _up.Bytes > 0 && _timeouts.ResponseMilliseconds > 0 && WatchesResponse)
            {
                // The client's bytes have gone to the server: the wait for an answer starts (a bare FIN asks for none, as in PendingResponse).
                _awaitingSince = now;
                ArmTimer();
            }
            if (down == RelayStep.SourceFailed)
            {
                if (_answered || !ServerFailedBeforeResponse(UnansweredEnd.Reset, server))
                {
                    Reset(RelaySide.Server, _down.Errno);
                }
                return;
            }
            if (EndedByDownstream(down))
            {
                return;
            }
            if (_down.FinHeld)
            {
                // The server's FIN before its first byte: the pipeline may move the client; if not, it is passed on.
                _down.HoldEmptyFin = false;
                if (ServerFailedBeforeResponse(UnansweredEnd.Close, server))
                {
                    return;
                }
                down = _down.Pump(pool, ReadBudget, now);
                if (EndedByDownstream(down))
                {
                    return;
                }
            }
            long moved = _up.Bytes + _down.Bytes;
            if (moved != _movedAtLastTurn)
            {
                _movedAtLastTurn = moved;
                _lastActivity = now;
            }
            if (up == RelayStep.Finished && !_clientFinReported)
            {
                _clientFinReported = true;
                _observer?.OnHalfClosed(this, RelaySide.Client);
            }
            if (down == RelayStep.Finished)
            {
                _observer?.OnHalfClosed(this, RelaySide.Server);
            }
            if (IsClosed)
            {
                return;
            }
            if (_up.Finished && _down.Finished)
            {
                End(reset: false);
                return;
            }
            if ((up == RelayStep.Finished || down == RelayStep.Finished) && _finSince == 0)
            {
                _finSince = now;
                ArmTimer();
            }
            else if (_up.WakeAt != 0 || _down.WakeAt != 0)
            {
                ArmTimer();
            }
            if ((up == RelayStep.MoreLater || down == RelayStep.MoreLater) && !_deferred)
            {
                _deferred = true;
                _loop.Defer(this);
            }
        }

        /// <summary>Whether the server→client step ends the connection (the client failed, or a toxic closes or resets); if so it is ended.</summary>
        private bool EndedByDownstream(RelayStep down)
        {
            if (down == RelayStep.DestinationFailed)
            {
                Reset(RelaySide.Client, _down.Errno);
                return true;
            }
            if (down == RelayStep.ShapedClose || down == RelayStep.ShapedReset)
            {
                EndShaped(down);
                return true;
            }
            return false;
        }

        /// <summary>Whether the preamble is taken and relaying may go on.</summary>
        private bool TakePreamble()
        {
            if (_preamble.InCallback)
            {
                return false;
            }
            PreambleStep step = _preamble.TryTake(Client, _observer, this, out int errno);
            if (IsClosed)
            {
                return false;
            }
            switch (step)
            {
                case PreambleStep.Taken:
                    ArmTimer();
                    return true;
                case PreambleStep.Rejected:
                    End(reset: true);
                    return false;
                case PreambleStep.ClientFailed:
                    Reset(RelaySide.Client, errno);
                    return false;
                default:
                    return false;
            }
        }

        private void OnConnected()
        {
            _connecting = false;
            _connectDeadline = 0;
            LoopSocket server = _server!;
            server.WriteReady = true; // connected: the send buffer is empty
            _up.Destination = server;
            _down.Source = server;
            CountReplay();
            _observer?.OnConnected(this);
            ArmTimer();
            Run();
        }

        private void FailConnect(int errno)
        {
            LoopSocket? server = _server;
            _server = null;
            _connecting = false;
            _connectDeadline = 0;
            if (server != null)
            {
                ConnectWitness?.Closed(server.Fd);
                server.Reset();
            }
            OnConnectFailed(errno);
        }

        private void OnConnectFailed(int errno)
        {
            _observer?.OnConnectFailed(this, errno);
            bool later = _connectLater;
            _connectLater = false;
            if (!IsClosed && _server == null && !later)
            {
                End(reset: true);
            }
        }

        /// <summary>Inside <see cref="IRelayObserver.OnConnectFailed"/>: the client stays (its bytes wait) until a later <see cref="ConnectTo"/> or <see cref="Abort"/>, posted to this loop.</summary>
        public void ConnectLater() => _connectLater = true;

        private void Reset(RelaySide from, int errno)
        {
            _observer?.OnReset(this, from, errno);
            End(reset: true);
        }

        /// <summary>A shaper (a toxic) ends the connection: a reset, or FIN both ways (the pair then closes as after any FIN).</summary>
        private void EndShaped(RelayStep step)
        {
            if (step == RelayStep.ShapedReset)
            {
                End(reset: true);
                return;
            }
            // FIN to both peers at once, as ToxicSession.Close shuts both sockets both ways; what was not
            // sent yet is dropped (a send after the shutdown would fail anyway). Not judged as a server's
            // end, and no half-close events: the pair simply closes.
            Client.ShutdownBoth();
            _server?.ShutdownBoth();
            End(reset: false);
        }

        private void TimeOut(RelayTimeout which)
        {
            _observer?.OnTimedOut(this, which);
            End(reset: true);
        }

        private void End(bool reset)
        {
            if (IsClosed)
            {
                return;
            }
            IsClosed = true;
            try
            {
                _loop.Cancel(_timer);
                _preamble.End();
                RecycleReplay();
                NativeBufferPool pool = _loop.Buffers;
                _up.Release(pool);
                _down.Release(pool);
                if (IsHeldForOutage)
                {
                    IsHeldForOutage = false;
                    _list?.OnHeld(-1);
                }
                _list?.Remove(this);
                // The outcome is counted before either peer can learn of the end from this relay.
                _observer?.OnEnding(this);
            }
            finally
            {
                // Whatever threw above (an observer, a release; the loop traces it), no descriptor stays open and OnClosed still comes.
                try
                {
                    CloseSockets(reset);
                }
                finally
                {
                    _observer?.OnClosed(this);
                }
            }
        }

        private void CloseSockets(bool reset)
        {
            if (_server != null && _server.IsOpen)
            {
                ConnectWitness?.Closed(_server.Fd);
            }
            if (reset)
            {
                Client.Reset();
                _server?.Reset();
            }
            else
            {
                Client.Close();
                _server?.Close();
            }
        }
    }
}
