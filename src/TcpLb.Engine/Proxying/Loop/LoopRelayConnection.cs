using System;
using System.Net;
using TcpLb.Engine.Net.EventLoop;
using static TcpLb.Engine.Net.EventLoop.LinuxNative;

namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>
    /// A client and its backend relayed on one <see cref="EpollLoop"/>: both directions run inline
    /// on the loop thread whenever either socket has an edge. A FIN becomes a send-shutdown on the
    /// other side after the buffer drains; the pair closes when both directions are done, or is reset
    /// when the second has not finished within the FIN timeout. A reset on either side resets the
    /// other (SO_LINGER 0). Connect, idle and FIN deadlines share one <see cref="LoopTimer"/>, moved
    /// to the earliest. What happens is told to the <see cref="IRelayObserver"/>. Loop thread only.
    /// </summary>
    internal sealed class LoopRelayConnection : IRelayConnection, ILoopSocketHandler, ILoopTimerHandler, ILoopWorkItem
    {
        /// <summary>Reads per direction per turn before the loop's other sockets get theirs.</summary>
        public const int ReadBudget = 16;

        private readonly EpollLoop _loop;
        private readonly IRelayObserver? _observer;
        private readonly RelayTimeouts _timeouts;
        private readonly LoopTimer _timer;
        private readonly RelayDirection _up = new RelayDirection(RelaySide.Client);
        private readonly RelayDirection _down = new RelayDirection(RelaySide.Server);
        private LoopSocket? _server;
        private long _connectDeadline;
        private long _finDeadline;
        private long _lastActivity;
        private long _movedAtLastTurn;
        private long _awaitingSince; // 0: not waiting for the server's first byte
        private bool _connecting;
        private bool _answered;
        private bool _deferred;
        private volatile bool _abortRequested;
        private SockAddrBuffer _clientAddress;
        private readonly RelayPreamble _preamble = new RelayPreamble();

        private LoopRelayConnection(EpollLoop loop, int clientFd, in SockAddrBuffer peer, IRelayObserver? observer, RelayTimeouts timeouts)
        {
            _clientAddress = peer;
            _loop = loop;
            _observer = observer;
            _timeouts = timeouts;
            _timer = new LoopTimer(this);
            _lastActivity = loop.Now;
            Client = loop.Register(clientFd, this);
            _up.Source = Client;
            _down.Destination = Client;
        }

        public EpollLoop Loop => _loop;

        public LoopSocket Client { get; }

        /// <summary>The backend's socket; null before <see cref="ConnectTo"/> and after a failed attempt.</summary>
        public LoopSocket? Server => _server;

        public bool IsConnected => _server != null && !_connecting;

        public bool IsClosed { get; private set; }

        /// <summary>Bytes read from the client (sent, or being sent, to the server).</summary>
        public long BytesFromClient => _up.Bytes;

        /// <summary>Bytes read from the server.</summary>
        public long BytesFromServer => _down.Bytes;

        /// <summary>Counters shared between connections, for statistics (null for none).</summary>
        public TrafficCounter? ClientCounter
        {
            get => _up.Counter;
            set => _up.Counter = value;
        }

        public TrafficCounter? ServerCounter
        {
            get => _down.Counter;
            set => _down.Counter = value;
        }

        /// <summary>The client's address as accepted (decoded on each call; null when not known).</summary>
        public IPEndPoint? ClientEndPoint => _clientAddress.ToEndPoint();

        /// <summary>For the observer: whatever it keeps per connection (the balancer's proxied connection).</summary>
        public object? State { get; set; }

        /// <summary>
        /// Takes an accepted client descriptor onto <paramref name="loop"/> (loop thread only), with the
        /// client's sockaddr from accept4 (empty when not known). TCP_NODELAY comes from the listener
        /// (<see cref="NativeSocket.Listen"/>): a descriptor accepted elsewhere sets it itself.
        /// </summary>
        public static LoopRelayConnection Accept(EpollLoop loop, int clientFd, in SockAddrBuffer peer, IRelayObserver? observer, RelayTimeouts timeouts)
        {
            try
            {
                return new LoopRelayConnection(loop, clientFd, in peer, observer, timeouts);
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
            int fd = NativeSocket.StartConnect(backend, out bool connected);
            if (fd < 0)
            {
                OnConnectFailed(-fd);
                return;
            }
            _server = _loop.Register(fd, this);
            _answered = false;
            _awaitingSince = 0;
            if (connected)
            {
                OnConnected();
                return;
            }
            _connecting = true;
            if (_timeouts.ConnectMilliseconds > 0)
            {
                _connectDeadline = _loop.Now + _timeouts.ConnectMilliseconds;
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
            _preamble.Begin(maxBytes, timeoutMilliseconds > 0 ? _loop.Now + timeoutMilliseconds : 0);
            ArmTimer();
            Run();
        }

        /// <summary>
        /// Bytes the next server gets before any byte of the client's (the PROXY header of the
        /// attempt, or held bytes replayed): set before <see cref="ConnectTo"/>.
        /// </summary>
        public void SendFirst(byte[]? bytes) => _up.SetPrefix(bytes);

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
            Run();
        }

        void ILoopWorkItem.Execute(EpollLoop loop)
        {
            if (_abortRequested)
            {
                Abort();
                return;
            }
            _deferred = false;
            Run();
        }

        void ILoopTimerHandler.OnTimer(LoopTimer timer)
        {
            long now = _loop.Now;
            if (_connecting && _connectDeadline != 0 && now >= _connectDeadline)
            {
                FailConnect(ETIMEDOUT);
                return;
            }
            if (_preamble.Deadline != 0 && now >= _preamble.Deadline)
            {
                TimeOut(RelayTimeout.Preamble);
                return;
            }
            if (_finDeadline != 0 && now >= _finDeadline)
            {
                TimeOut(RelayTimeout.Fin);
                return;
            }
            if (_timeouts.IdleMilliseconds > 0 && now - _lastActivity >= _timeouts.IdleMilliseconds)
            {
                TimeOut(RelayTimeout.Idle);
                return;
            }
            if (_awaitingSince != 0 && now >= ResponseDeadline)
            {
                TimeOut(RelayTimeout.Response);
                return;
            }
            ArmTimer();
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
            _loop.Post(this);
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
            RelayStep up = _up.Pump(pool, ReadBudget);
            if (up == RelayStep.SourceFailed || up == RelayStep.DestinationFailed)
            {
                Reset(up == RelayStep.SourceFailed ? RelaySide.Client : RelaySide.Server, _up.Errno);
                return;
            }
            long before = _down.Bytes;
            RelayStep down = _down.Pump(pool, ReadBudget);
            if (!_answered && _down.Bytes > 0 && before == 0)
            {
                _answered = true;
                _awaitingSince = 0;
                _observer?.OnFirstServerByte(this);
                if (IsClosed)
                {
                    return; // the observer ended it
                }
            }
            else if (!_answered && _awaitingSince == 0 && _timeouts.ResponseMilliseconds > 0 && IsConnected && (_up.Bytes > 0 || _up.Finished))
            {
                // The client's bytes (or its FIN) have gone to the server: the wait for an answer starts.
                _awaitingSince = _loop.Now;
                ArmTimer();
            }
            if (down == RelayStep.SourceFailed || down == RelayStep.DestinationFailed)
            {
                Reset(down == RelayStep.SourceFailed ? RelaySide.Server : RelaySide.Client, _down.Errno);
                return;
            }
            long moved = _up.Bytes + _down.Bytes;
            if (moved != _movedAtLastTurn)
            {
                _movedAtLastTurn = moved;
                _lastActivity = _loop.Now;
            }
            if (up == RelayStep.Finished)
            {
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
            if ((up == RelayStep.Finished || down == RelayStep.Finished) && _timeouts.FinMilliseconds > 0)
            {
                _finDeadline = _loop.Now + _timeouts.FinMilliseconds;
                ArmTimer();
            }
            if ((up == RelayStep.MoreLater || down == RelayStep.MoreLater) && !_deferred)
            {
                _deferred = true;
                _loop.Defer(this);
            }
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
            server?.Reset();
            OnConnectFailed(errno);
        }

        private void OnConnectFailed(int errno)
        {
            _observer?.OnConnectFailed(this, errno);
            if (!IsClosed && _server == null)
            {
                End(reset: true);
            }
        }

        private void Reset(RelaySide from, int errno)
        {
            _observer?.OnReset(this, from, errno);
            End(reset: true);
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
            _loop.Cancel(_timer);
            _preamble.End();
            NativeBufferPool pool = _loop.Buffers;
            _up.Release(pool);
            _down.Release(pool);
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
            _observer?.OnClosed(this);
        }

        /// <summary>Until the first answer every byte that moves is the client's: the wait counts from the later of the two.</summary>
        private long ResponseDeadline => Math.Max(_awaitingSince, _lastActivity) + _timeouts.ResponseMilliseconds;

        private void ArmTimer()
        {
            long due = long.MaxValue;
            if (_connecting && _connectDeadline != 0)
            {
                due = _connectDeadline;
            }
            if (_preamble.Deadline != 0)
            {
                due = Math.Min(due, _preamble.Deadline);
            }
            if (_finDeadline != 0)
            {
                due = Math.Min(due, _finDeadline);
            }
            if (_timeouts.IdleMilliseconds > 0)
            {
                due = Math.Min(due, _lastActivity + _timeouts.IdleMilliseconds);
            }
            if (_awaitingSince != 0)
            {
                due = Math.Min(due, ResponseDeadline);
            }
            if (due == long.MaxValue)
            {
                _loop.Cancel(_timer);
            }
            else if (!_timer.IsArmed || _timer.Due != due)
            {
                _loop.Schedule(_timer, due);
            }
        }
    }
}
