using System;
using System.Net;
using System.Threading.Tasks;
using TcpLb.Engine.Balancing.Scheduling;
using TcpLb.Engine.Net;
using TcpLb.Engine.Net.EventLoop;
using TcpLb.Engine.Proxying;
using TcpLb.Engine.Proxying.Loop;
using TcpLb.Engine.Proxying.Toxics;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// One client on the loop transport, driven by its relay's events (<see cref="LoopTransport"/>
    /// forwards them): the same pipeline as the stream path's <see cref="ConnectionAdmission"/> and
    /// <see cref="ConnectionAttempts"/>, step by step: outage, PROXY header in (the preamble), access
    /// gate, admission (the client queue's wait completes by posting back to the loop), the pick
    /// (the backend queue likewise), PROXY header out (SendFirst), connect, failover and replay as
    /// <see cref="AttemptPlan"/> decides, counts. Every member runs on the connection's loop thread
    /// but the queue waits' continuations, which only post. Each client is counted once.
    /// </summary>
    internal sealed class LoopClient : ProxyConnection, ILoopWorkItem
    {
        private readonly LoopTransport _transport;
        private readonly LoopRelayConnection _relay;
        private TcpBalancerOptions _options;
        private ProxyHeader? _received;
        private OutgoingProxyHeaders? _proxyHeaders;
        private AttemptPlan _plan; // made by StartAttempts
        private Backend? _backend; // reserved for the attempt in flight or relaying
        private bool _inTable; // in the connection table from the first backend reached
        private Phase _phase;
        private int _sourceTicket = -1;
        private bool _admitted;
        private bool _decided; // counted (Served, Failed, Rejected, Denied, ...): nothing more to count
        private bool _toxicsDrawn;
        private UnansweredEnd _lastEnd;
        private ResetSide _reset;
        private bool _waitResult; // a queue wait's result, read when the post arrives
        private Backend? _waited;
        private int _address; // which of the backend's addresses this attempt connects to, from its preferred one

        /// <summary>Whether the server's silence and end count against it: not for a connection a toxic shapes (the relay then does not time its response either).</summary>
        private bool Watched => _relay.WatchesResponse;

        public LoopClient(LoopTransport transport, LoopRelayConnection relay)
            : base(relay)
        {
            _transport = transport;
            _relay = relay;
            _options = transport.Balancer.Options;
        }

        private enum Phase
        {
            Accepted,
            Preamble,
            ClientQueue,
            BackendQueue,
            Connecting,
            Relaying,
        }

        private TcpBalancer Balancer => _transport.Balancer;

        private BalancerStatistics Statistics => Balancer.Statistics;

        private new TracedClient Client => TracedClient.Of(_relay);

        /// <summary>The client's address as its PROXY header gives it, else its peer's (decoded on each call: ask only when needed).</summary>
        private IPAddress? SourceAddress => _received?.Source?.Address ?? _relay.ClientEndPoint?.Address;

        /// <summary>Just accepted: the outage, then the PROXY header or the gate.</summary>
        public void Start()
        {
            Statistics.OnAccepted();
            OutgoingConnections outgoing = _transport.Upkeep.Outgoing;
            if (IsOwn(outgoing))
            {
                // A backend that leads back here: cut at its first link.
                _decided = true;
                _transport.Upkeep.OnLoopCut(Client);
                _relay.Abort();
                return;
            }
            _relay.ConnectWitness = outgoing;
            BalancerOutage outage = Balancer.Outage;
            if (outage != BalancerOutage.None)
            {
                // Refuse gets here only for a client accepted just before the listeners closed.
                _decided = true;
                _transport.Admission.OnDown(Client, outage);
                if (outage == BalancerOutage.Hold)
                {
                    _relay.HoldForOutage();
                }
                else
                {
                    _relay.Abort();
                }
                return;
            }
            if (_options.Replay)
            {
                // Held from the first byte read (the client is read while it waits for a slot);
                // a connection that draws a toxic later never moves.
                _relay.HoldClientBytes(ReplayBuffer.Capacity);
            }
            if (_options.AcceptProxyProtocol)
            {
                _phase = Phase.Preamble;
                _relay.ReadPreamble(ProxyHeaderParser.MaxV2Length, Milliseconds(_options.ProxyHeaderTimeout));
                return;
            }
            if (!Admit())
            {
                _relay.Abort();
            }
        }

        /// <summary>Whether this client is one of the balancer's own outgoing connections (the loop guard).</summary>
        private bool IsOwn(OutgoingConnections outgoing)
        {
            if (outgoing.IsEmpty)
            {
                return false;
            }
            IPEndPoint? peer = _relay.ClientEndPoint;
            IPEndPoint? local = NativeSocket.LocalEndPoint(_relay.Client.Fd);
            return peer != null && local != null && outgoing.IsOwn(peer, local);
        }

        public int OnPreamble(byte[] bytes, int count)
        {
            ProxyParseResult result = ProxyHeaderParser.Parse(bytes, 0, count);
            if (result.Status == ProxyParseStatus.Incomplete)
            {
                return 0;
            }
            if (result.Status != ProxyParseStatus.Complete)
            {
                BadHeader(result.Problem);
                return -1;
            }
            _received = result.Header;
            _phase = Phase.Accepted;
            // Inside the callback: the relay takes the header (or resets a refused client) when it returns.
            return Admit() ? result.Length : -1;
        }

        /// <summary>The gate, then a slot under MaxConnections (at once, or after the client queue); false: refused and counted, the caller resets the client.</summary>
        private bool Admit()
        {
            if (_transport.Admission.GateIsActive)
            {
                IPAddress? source = SourceAddress;
                if (source != null && !_transport.Admission.PassesGate(source, Client, out _sourceTicket))
                {
                    _decided = true;
                    return false;
                }
            }
            if (_transport.Admission.TryAdmit())
            {
                _admitted = true;
                StartAttempts();
                return true;
            }
            _phase = Phase.ClientQueue;
            _transport.Admission.WaitForSlotAsync().ContinueWith(PostClientSlot, this, TaskScheduler.Default);
            return true;
        }

        private static readonly Action<Task<bool>, object?> PostClientSlot = (wait, state) =>
        {
            var client = (LoopClient)state!;
            client._waitResult = wait.Status == TaskStatus.RanToCompletion && wait.Result;
            client._relay.Loop.Post(client);
        };

        private static readonly Action<Task<Backend?>, object?> PostBackendSlot = (wait, state) =>
        {
            var client = (LoopClient)state!;
            client._waited = wait.Status == TaskStatus.RanToCompletion ? wait.Result : null;
            client._relay.Loop.Post(client);
        };

        /// <summary>A queue wait ended (posted back to the loop).</summary>
        void ILoopWorkItem.Execute(EpollLoop loop)
        {
            if (_phase == Phase.ClientQueue)
            {
                OnClientSlot(_waitResult);
            }
            else if (_phase == Phase.BackendQueue)
            {
                Backend? backend = _waited;
                _waited = null;
                OnBackendSlot(backend);
            }
        }

        private void OnClientSlot(bool admitted)
        {
            _admitted = admitted;
            if (_relay.IsClosed)
            {
                // Gone while it waited: counted when it closed; the slot goes on.
                ReleaseAdmission();
                return;
            }
            _phase = Phase.Accepted; // out of the queue: the close releases the slot
            if (!admitted)
            {
                _decided = true;
                _transport.Admission.OnNoSlot(Client);
                _relay.Abort();
                return;
            }
            if (_transport.Picker.CountIfAbandoned(Client))
            {
                // Reset while it waited: not sent to a backend (counted Failed, AbandonedInQueue).
                _decided = true;
                _relay.Abort();
                return;
            }
            StartAttempts();
        }

        private void StartAttempts()
        {
            // One snapshot for the whole connection: a reload meanwhile applies to the next one.
            _options = Balancer.Options;
            _plan = new AttemptPlan(_transport.Attempts, Client, _transport.Picker.UsesClientAddress ? _transport.Picker.ClientHash(SourceAddress) : 0, _options);
            _relay.ClientTotalCounter = Statistics.BytesFromClients;
            _relay.ServerTotalCounter = Statistics.BytesFromBackends;
            Pick();
        }

        /// <summary>The next backend: at once, or after the backend queue (the client stays, its bytes wait).</summary>
        private void Pick()
        {
            PickRequest request = _plan.Request;
            Backend? backend = _transport.Picker.TryReserve(request);
            if (backend != null)
            {
                Connect(backend);
                return;
            }
            _phase = Phase.BackendQueue;
            _transport.Picker.WaitAsync(request, Client, unread: !_inTable, _options.QueueTimeout, Balancer.StopToken)
                .ContinueWith(PostBackendSlot, this, TaskScheduler.Default);
        }

        private void OnBackendSlot(Backend? backend)
        {
            if (backend == null)
            {
                // Counted by the picker (Failed, Rejected or AbandonedInQueue).
                _decided = true;
                _relay.Abort();
                return;
            }
            if (_relay.IsClosed)
            {
                // Gone while a replay waited for a slot (an unread client that reset is the picker's to count).
                _transport.Picker.Release(backend);
                Statistics.OnFailed();
                Balancer.Tracer.NotServed(Client, "the client left while it waited for another backend");
                return;
            }
            Connect(backend);
        }

        private void Connect(Backend backend)
        {
            _plan.OnPicked();
            _backend = backend;
            if (!_toxicsDrawn)
            {
                _toxicsDrawn = true;
                // Drawn once, at the first backend picked: a toxic is the path's fault, so a
                // connection it touches is neither replayed nor watched before the first byte.
                if (ToxicSession.Draw(Balancer.ToxicSnapshot, backend, out var up, out var down))
                {
                    Statistics.OnToxicApplied();
                    _relay.ShapeWith(LoopToxicChain.Create(up!), LoopToxicChain.Create(down!));
                    _relay.WatchesResponse = false;
                }
            }
            ProxyProtocolVersion version = backend.SendProxyProtocol ?? _options.SendProxyProtocol;
            byte[]? header = null;
            if (version != ProxyProtocolVersion.None)
            {
                _proxyHeaders ??= new OutgoingProxyHeaders(_received?.Source ?? _relay.ClientEndPoint, _received?.Destination ?? _transport.LocalEndPoint);
                header = _proxyHeaders.For(version);
            }
            _relay.SendFirst(_relay.HeldByteCount > 0 ? _relay.ReplayBytes(header) : header);
            _relay.ClientCounter = backend.BytesToBackend;
            _relay.ServerCounter = backend.BytesFromBackend;
            _phase = Phase.Connecting;
            _address = 0;
            _relay.ConnectTo(backend.NativeEndPoint(0));
        }

        public void OnConnected()
        {
            Backend backend = _backend!;
            backend.PreferAddress(_address);
            _phase = Phase.Relaying;
            _lastEnd = UnansweredEnd.None;
            _reset = ResetSide.None;
            backend.OnConnected();
            if (backend.IsBackup)
            {
                Statistics.OnSentToBackup();
            }
            if (!_inTable)
            {
                _inTable = true;
                _transport.Connections.Add(this);
            }
            Attach(backend);
            if (!Watched)
            {
                // Nothing can move this connection: it is the backend's from its connect.
                CountOnBackend();
            }
            if (Balancer.StopToken.IsCancellationRequested || backend.State == BackendState.Disabled || Aborted)
            {
                _relay.RequestAbort();
            }
        }

        public void OnConnectFailed(int errno)
        {
            if (NoSocket(errno))
            {
                // No socket for the backend (out of descriptors or memory): one warning per episode, as BackendConnector gives it.
                _transport.Upkeep.Outgoing.SocketUnavailable?.Invoke(NativeSocket.ToSocketError(errno));
            }
            Backend backend = _backend!;
            IPEndPoint tried = backend.NativeEndPoint(_address).EndPoint;
            if (++_address < backend.EndPoints.Length)
            {
                // The backend's next address (a name with several), as BackendConnector tries them.
                _relay.ConnectTo(backend.NativeEndPoint(_address));
                return;
            }
            _backend = null;
            var result = new BackendConnectResult(null, tried, NativeSocket.ToSocketError(errno));
            if (_plan.OnConnectFailed(backend, result) != AttemptStep.Next)
            {
                _decided = true; // the relay resets the client when this returns
                return;
            }
            Pick();
            if (_phase == Phase.BackendQueue)
            {
                _relay.ConnectLater();
            }
        }

        public void OnFirstServerByte()
        {
            _backend?.OnResponded();
            if (_inTable)
            {
                CountOnBackend();
            }
        }

        /// <summary>The server ended before its first byte: move the client with its bytes when RetryOn allows and a backend is left.</summary>
        public void OnServerFailedBeforeResponse(bool movable)
        {
            Backend backend = _backend!;
            UnansweredEnd end = _relay.ServerEnd;
            // A toxic's connection is not watched: however its server ends, it is not the server's failure (as on the stream path).
            _lastEnd = Watched ? end : UnansweredEnd.None;
            if (!movable || !Watched || Aborted || (_plan.MovableEnds(backend) & end) == 0)
            {
                return; // the end goes on (a reset, a FIN, a timeout); counted when the pair closes
            }
            _transport.Picker.Release(backend);
            _backend = null;
            AttemptStep step = _plan.OnRelayEnded(backend, ProxyAttemptOutcome.Movable, this, end, ResetSide.None);
            if (step != AttemptStep.Next)
            {
                // Counted (Failed); the server's end reaches the client, then the reset.
                _decided = true;
                _relay.RequestAbort();
                return;
            }
            _relay.AbandonServer();
            Pick();
        }

        public void OnReset(RelaySide from) => _reset = from == RelaySide.Client ? ResetSide.Client : ResetSide.Server;

        public void OnTimedOut(RelayTimeout which)
        {
            if (which == RelayTimeout.Preamble)
            {
                BadHeader("no complete PROXY header within the header timeout");
            }
            else if (which == RelayTimeout.Idle)
            {
                Balancer.Tracer.IdleTimedOut(Client, _backend);
            }
        }

        /// <summary>The relay is about to close or reset both sockets: count what is not counted yet, before the client can see its end.</summary>
        public void OnEnding()
        {
            Backend? backend = _backend;
            _backend = null;
            if (backend != null)
            {
                _transport.Picker.Release(backend);
            }
            if (!_decided)
            {
                _decided = true;
                CountEnd(backend);
            }
        }

        /// <summary>Both sockets are closed: give every slot and ticket back.</summary>
        public void OnClosed()
        {
            if (_phase != Phase.ClientQueue)
            {
                ReleaseAdmission();
            }
            _transport.Admission.ReleaseSource(_sourceTicket);
            _sourceTicket = -1;
            if (_inTable)
            {
                _transport.Connections.Remove(this);
            }
            _transport.OnClientClosed();
        }

        private void CountEnd(Backend? backend)
        {
            switch (_phase)
            {
                case Phase.Relaying:
                    ProxyAttemptOutcome outcome = (_lastEnd & (UnansweredEnd.Reset | UnansweredEnd.Timeout)) != 0 && !Aborted
                        ? ProxyAttemptOutcome.FailedBeforeResponse
                        : ProxyAttemptOutcome.Completed;
                    _plan.OnRelayEnded(backend!, outcome, this, _lastEnd, _reset);
                    break;
                case Phase.Preamble:
                    BadHeader("the client closed before a complete PROXY header");
                    break;
                case Phase.ClientQueue:
                    // Reset (or gone) while it waited for a slot: not sent to a backend.
                    Statistics.OnAbandonedInQueue();
                    Balancer.Tracer.AbandonedInQueue(Client);
                    break;
                case Phase.BackendQueue:
                    // Counted when the wait ends (OnBackendSlot, or the picker).
                    break;
                default:
                    Statistics.OnFailed();
                    Balancer.Tracer.NotServed(Client, "the client left before a backend was reached");
                    break;
            }
        }

        private void BadHeader(string? problem)
        {
            if (!_decided)
            {
                _decided = true;
                _transport.Admission.OnBadProxyHeader(Client, problem);
            }
        }

        private void ReleaseAdmission()
        {
            if (_admitted)
            {
                _admitted = false;
                _transport.Admission.ReleaseAdmitted();
            }
        }

        private static bool NoSocket(int errno)
            => errno == LinuxNative.EMFILE || errno == LinuxNative.ENFILE || errno == LinuxNative.ENOBUFS || errno == LinuxNative.ENOMEM;

        internal static int Milliseconds(TimeSpan span)
            => span <= TimeSpan.Zero || span == System.Threading.Timeout.InfiniteTimeSpan ? 0 : (int)Math.Min(int.MaxValue, span.TotalMilliseconds);
    }
}
