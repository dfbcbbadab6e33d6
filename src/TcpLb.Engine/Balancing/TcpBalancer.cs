using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Net;
using TcpLb.Engine.Proxying;
using TcpLb.Engine.Proxying.Toxics;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// A TCP load balancer: accepts client connections, picks a backend per connection (round
    /// robin over the backends that are Up), fails over to another backend when a connect fails or
    /// when the backend fails before its first byte (replaying what the client sent), and proxies
    /// bytes both ways with <see cref="DuplexPump"/>. Health checks, limits and pool
    /// changes run beside the data path and cost it nothing per read or write.
    /// </summary>
    public sealed class TcpBalancer : TcpServer
    {
        private readonly TcpBalancerOptions _options;
        private readonly BackendPool _pool;
        private readonly RoundRobinScheduler _scheduler = new RoundRobinScheduler();
        private readonly ConnectionTable _connections = new ConnectionTable();
        private readonly ToxicSet _toxics = new ToxicSet();
        private readonly OutageHolder _held = new OutageHolder();
        private readonly object _outageGate = new object();
        private volatile BalancerOutage _outage;
        private readonly SlotWaitQueue _clientSlots;
        private readonly SlotWaitQueue _backendSlots;
        private readonly HealthProber? _prober;
        private readonly long _idleLimit;
        private readonly int _responseLimit;
        private readonly Func<ProxyConnection, bool> _isOverdue;
        private readonly Action<ProxyConnection> _endOverdue;
        private Timer? _sweeper;
        private readonly OutgoingConnections _outgoing = new OutgoingConnections();
        private readonly WarningGate _loopWarnings = new WarningGate(TimeSpan.FromMinutes(1));
        private readonly WarningGate _errorWarnings = new WarningGate(TimeSpan.FromMinutes(1));
        private Timer? _outgoingPruner;
        private int _descriptorsExhausted;
        private int _admitted;

        public TcpBalancer(TcpBalancerOptions options)
            : base(Validated(options).ListenAddress, options.Port)
        {
            _options = options;
            var backends = new List<Backend>(options.Backends.Count);
            foreach (BackendDefinition definition in options.Backends)
            {
                backends.Add(CreateBackend(definition));
            }
            _pool = new BackendPool(backends);
            foreach (BalancerToxic toxic in options.Toxics)
            {
                AddToxic(toxic ?? throw new ArgumentException("A toxic in Toxics is null."), raise: false);
            }
            _clientSlots = new SlotWaitQueue(options.QueueLength);
            _backendSlots = new SlotWaitQueue(options.QueueLength);
            if (options.HealthCheck.Enabled)
            {
                _prober = new HealthProber(_pool, options.HealthCheck);
            }
            _idleLimit = options.IdleTimeout == Timeout.InfiniteTimeSpan ? long.MaxValue : (long)options.IdleTimeout.TotalMilliseconds;
            _responseLimit = (int)options.ResponseTimeout.TotalMilliseconds;
            // Made once: the sweep runs several times a second and allocates nothing when nothing is overdue.
            _isOverdue = IsOverdue;
            _endOverdue = EndOverdue;
        }

        /// <summary>Raised when a backend changes state, joins or leaves the pool (on a pool thread).</summary>
        public event EventHandler<BackendStateChangedEventArgs>? BackendStateChanged;

        /// <summary>
        /// Raised for trouble beside any one backend: a loop cut, file descriptors running out,
        /// a connection dropped by an unexpected error. Rate-limited (once per episode).
        /// </summary>
        public event EventHandler<BalancerWarningEventArgs>? Warning;

        /// <summary>Raised when a toxic is added, changed or removed (on the thread that made the change).</summary>
        public event EventHandler<ToxicChangedEventArgs>? ToxicChanged;

        /// <summary>Raised when the balancer is set down or back up (<see cref="SetOutage"/>), on the thread that made the change.</summary>
        public event EventHandler<OutageChangedEventArgs>? OutageChanged;

        /// <summary>The backends in round-robin order, as the pool is now.</summary>
        public IReadOnlyList<Backend> Backends => _pool.Snapshot;

        public TcpBalancerOptions Options => _options;

        public BalancerStatistics Statistics { get; } = new BalancerStatistics();

        /// <summary>Connections waiting for a slot under a connection limit.</summary>
        public int Queued => _clientSlots.Waiting + _backendSlots.Waiting;

        /// <summary>
        /// Adds a backend at the end of the rotation; it gets new connections at once. Throws
        /// <see cref="SelfLoopBackendException"/> for the balancer's own listener and
        /// <see cref="ArgumentException"/> for a backend already in the pool.
        /// </summary>
        public Backend AddBackend(BackendDefinition definition)
        {
            Backend backend = CreateBackend(definition ?? throw new ArgumentNullException(nameof(definition)));
            SelfLoopGuard.EnsureNotSelf(backend, LocalEndPoint);
            RunningBalancers.EnsureNoLoopThroughOthers(this, backend, LocalEndPoint);
            _pool.Add(backend);
            BackendStateChanged?.Invoke(this, new BackendStateChangedEventArgs(backend, null, backend.State, "added to the pool"));
            return backend;
        }

        /// <summary>Takes a backend out of the rotation; its open connections finish. False when it is not in the pool.</summary>
        public bool RemoveBackend(BackendAddress address)
        {
            Backend? removed = _pool.Remove(address);
            removed?.SetAdminState(BackendState.Removed, "removed from the pool; open connections finish");
            return removed != null;
        }

        /// <summary>
        /// No new connections for the backend. With <paramref name="drain"/> its open connections
        /// finish (Draining); without, they are reset now (Disabled).
        /// </summary>
        public bool DisableBackend(BackendAddress address, bool drain)
        {
            Backend? backend = _pool.Find(address);
            if (backend == null)
            {
                return false;
            }
            if (drain)
            {
                backend.SetAdminState(BackendState.Draining, "disabled with drain: open connections finish");
            }
            else
            {
                backend.SetAdminState(BackendState.Disabled, "disabled: open connections closed");
                _connections.AbortWhere(c => ReferenceEquals(c.Backend, backend));
            }
            return true;
        }

        /// <summary>Puts a disabled or draining backend back into the rotation (Up, or Down while its checks fail).</summary>
        public bool EnableBackend(BackendAddress address)
        {
            Backend? backend = _pool.Find(address);
            backend?.SetAdminState(BackendState.Up, "enabled");
            if (backend != null)
            {
                _backendSlots.SignalOne();
            }
            return backend != null;
        }

        public Backend? FindBackend(BackendAddress address) => _pool.Find(address);

        /// <summary>How new connections pick their backend; <see cref="SetAlgorithm"/> changes it.</summary>
        public BalancingAlgorithm Algorithm => _options.Algorithm;

        /// <summary>Changes the algorithm for new connections; open connections stay where they are.</summary>
        public void SetAlgorithm(BalancingAlgorithm algorithm)
        {
            if (!Enum.IsDefined(typeof(BalancingAlgorithm), algorithm))
            {
                throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, $"Unknown algorithm. Use one of: {string.Join(", ", Enum.GetNames(typeof(BalancingAlgorithm)))}.");
            }
            _options.Algorithm = algorithm;
        }

        /// <summary>Changes a backend's weight for new connections. False when it is not in the pool.</summary>
        public bool SetWeight(BackendAddress address, int weight)
        {
            Backend? backend = _pool.Find(address);
            backend?.SetWeight(weight);
            return backend != null;
        }

        /// <summary>Whether the balancer is down, and how it treats new clients then; <see cref="SetOutage"/> changes it.</summary>
        public BalancerOutage Outage => _outage;

        /// <summary>
        /// Sets the balancer down (refusing, holding or resetting new clients, its listener keeping
        /// its port) or, with <see cref="BalancerOutage.None"/>, back up. Open proxied connections
        /// go on; held clients are let go when the outage ends or changes. Takes effect before it returns.
        /// </summary>
        public void SetOutage(BalancerOutage outage)
        {
            if (!Enum.IsDefined(typeof(BalancerOutage), outage))
            {
                throw new ArgumentOutOfRangeException(nameof(outage), outage, $"Unknown outage. Use one of: {string.Join(", ", Enum.GetNames(typeof(BalancerOutage)))}.");
            }
            BalancerOutage previous;
            lock (_outageGate)
            {
                previous = _outage;
                if (previous == outage)
                {
                    return;
                }
                _outage = outage;
                if (outage == BalancerOutage.Refuse)
                {
                    PauseAccepting();
                }
                else if (previous == BalancerOutage.Refuse)
                {
                    try
                    {
                        ResumeAccepting();
                    }
                    catch (ListenerBindException)
                    {
                        _outage = previous; // still refusing: listening on the port again failed
                        throw;
                    }
                }
                if (previous == BalancerOutage.Hold)
                {
                    _held.ReleaseAll();
                }
            }
            OutageChanged?.Invoke(this, new OutageChangedEventArgs(previous, outage));
        }

        /// <summary>The toxics on the path, in the order they act.</summary>
        public IReadOnlyList<BalancerToxic> Toxics => _toxics.Snapshot;

        public BalancerToxic? FindToxic(string name) => _toxics.Find(name ?? throw new ArgumentNullException(nameof(name)));

        /// <summary>
        /// Adds a toxic (a copy of <paramref name="toxic"/>, which is left alone): new connections
        /// get it at once. Throws <see cref="ArgumentException"/> when its name is taken or its
        /// backend is not in the pool. Returns the live toxic, whose counters move.
        /// </summary>
        public BalancerToxic AddToxic(BalancerToxic toxic) => AddToxic(toxic ?? throw new ArgumentNullException(nameof(toxic)), raise: true);

        /// <summary>
        /// Changes a toxic's settings (its type stays): new connections get them at once, and open
        /// ones too where a toxic reads them for each chunk (latency, jitter, rate, slicing).
        /// Null when no toxic has that name.
        /// </summary>
        public BalancerToxic? SetToxic(string name, ToxicDefinition definition)
        {
            if (definition == null)
            {
                throw new ArgumentNullException(nameof(definition));
            }
            BalancerToxic? toxic = FindToxic(name);
            if (toxic == null)
            {
                return null;
            }
            if (definition.Type != toxic.Definition.Type)
            {
                throw new ArgumentException($"Toxic '{toxic.Name}' is a {toxic.Definition.Type} toxic; its type cannot change to {definition.Type}. Remove it and add a new one.", nameof(definition));
            }
            toxic.Replace(definition);
            ToxicChanged?.Invoke(this, new ToxicChangedEventArgs(toxic, "changed"));
            return toxic;
        }

        /// <summary>
        /// Removes a toxic: new connections no longer get it, and open connections stop being
        /// delayed, paced or sliced by it. False when no toxic has that name.
        /// </summary>
        public bool RemoveToxic(string name)
        {
            BalancerToxic? removed = _toxics.Remove(name ?? throw new ArgumentNullException(nameof(name)));
            if (removed != null)
            {
                ToxicChanged?.Invoke(this, new ToxicChangedEventArgs(removed, "removed"));
            }
            return removed != null;
        }

        private BalancerToxic AddToxic(BalancerToxic toxic, bool raise)
        {
            if (toxic.Backend != null && _pool.Find(toxic.Backend) == null)
            {
                throw new ArgumentException($"Toxic '{toxic.Name}' names backend {toxic.Backend}, which is not in the pool. Use one of: {string.Join(", ", Array.ConvertAll(_pool.Snapshot, b => b.Address.ToString()))}, or no backend for all of them.", nameof(toxic));
            }
            BalancerToxic live = toxic.Copy();
            _toxics.Add(live);
            if (raise)
            {
                ToxicChanged?.Invoke(this, new ToxicChangedEventArgs(live, "added"));
            }
            return live;
        }

        /// <summary>
        /// The configuration as it is now: the options it started with, and the pool, weights,
        /// backups and algorithm as runtime changes left them. A new object; changing it changes nothing.
        /// </summary>
        public TcpBalancerOptions CurrentConfiguration()
        {
            TcpBalancerOptions current = _options.Copy();
            current.Port = Port;
            current.Backends.Clear();
            foreach (Backend backend in _pool.Snapshot)
            {
                int? limit = backend.MaxConnections == _options.BackendMaxConnections ? (int?)null : backend.MaxConnections;
                current.Backends.Add(new BackendDefinition(backend.Address, backend.Weight, backend.IsBackup, limit));
            }
            current.Toxics.Clear();
            foreach (BalancerToxic toxic in _toxics.Snapshot)
            {
                current.Toxics.Add(toxic.Copy());
            }
            return current;
        }

        /// <summary>Refuses a backend that is this listener, now that the real port is known (port 0 too).</summary>
        protected override void OnBound(IPEndPoint localEndPoint)
        {
            foreach (Backend backend in _pool.Snapshot)
            {
                SelfLoopGuard.EnsureNotSelf(backend, localEndPoint);
                RunningBalancers.EnsureNoLoopThroughOthers(this, backend, localEndPoint);
            }
        }

        protected override void OnStopped() => RunningBalancers.Remove(this);

        protected override void OnStarted()
        {
            StartLoopGuard();
            Stopping.Register(() =>
            {
                _sweeper?.Dispose();
                _connections.AbortWhere(_ => true);
            });
            if (_prober != null)
            {
                _ = _prober.RunAsync(Stopping);
            }
            // One sweeper serves both timeouts: no timer per connection.
            long period = long.MaxValue;
            if (_options.IdleTimeout != Timeout.InfiniteTimeSpan)
            {
                period = (long)_options.IdleTimeout.TotalMilliseconds / 4;
            }
            if (_options.ResponseTimeout > TimeSpan.Zero)
            {
                period = Math.Min(period, (long)_options.ResponseTimeout.TotalMilliseconds / 10);
            }
            if (period != long.MaxValue)
            {
                period = Math.Max(50, Math.Min(1000, period));
                _sweeper = new Timer(_ => Sweep(), null, period, period);
            }
        }

        protected override async Task HandleConnectionAsync(Socket client)
        {
            Statistics.OnAccepted();
            if (CutIfLoop(client))
            {
                return;
            }
            client.NoDelay = true;
            BalancerOutage outage = _outage;
            if (outage != BalancerOutage.None)
            {
                // Down: the client is not served (Failed), held or reset; Refuse gets here only for
                // a connection accepted just before the listener paused.
                Statistics.OnFailed();
                if (outage == BalancerOutage.Hold)
                {
                    await _held.HoldAsync(client, Stopping).ConfigureAwait(false);
                }
                else
                {
                    client.Abort();
                }
                return;
            }
            if (!await AdmitAsync().ConfigureAwait(false))
            {
                Statistics.OnRejected();
                client.Abort();
                return;
            }
            try
            {
                await ConnectAndProxyAsync(client).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                OnDroppedByError(client, e);
            }
            finally
            {
                if (_options.MaxConnections > 0)
                {
                    Interlocked.Decrement(ref _admitted);
                    _clientSlots.SignalOne();
                }
            }
        }

        private async Task ConnectAndProxyAsync(Socket client)
        {
            Backend?[]? tried = null;
            ProxyConnection? connection = null;
            DuplexPump? pump = null;
            ToxicSession? session = null;
            Backend? movedFrom = null; // the last backend failed before answering; the connection moves on
            bool resetClient = false;
            try
            {
                for (int attempt = 0; ; attempt++)
                {
                    Backend? backend = TryReserveBackend(tried, attempt);
                    bool rejected = false;
                    if (backend == null)
                    {
                        (backend, rejected) = await WaitForBackendAsync(tried, attempt).ConfigureAwait(false);
                    }
                    if (backend == null)
                    {
                        if (rejected)
                        {
                            Statistics.OnRejected();
                        }
                        else
                        {
                            Statistics.OnFailed();
                        }
                        // A reset tells the client plainly that it was not served.
                        resetClient = true;
                        client.Abort();
                        return;
                    }

                    if (attempt > 0)
                    {
                        if (movedFrom != null)
                        {
                            Statistics.OnRedispatched();
                            movedFrom.OnRedispatched();
                            movedFrom = null;
                        }
                        else
                        {
                            Statistics.OnRetried();
                        }
                    }
                    Socket? server = await BackendConnector.ConnectAsync(backend, _options.ConnectTimeout, Stopping).ConfigureAwait(false);
                    if (server == null)
                    {
                        ReleaseBackend(backend);
                        backend.OnConnectFailed(_prober != null ? _options.ConnectFailuresBeforeDown : 0);
                    }
                    else
                    {
                        backend.OnConnected();
                        if (connection == null)
                        {
                            // Drawn once, at the first backend reached: a toxic is the path's fault, so a
                            // connection it touches is neither replayed nor watched for a response.
                            BalancerToxic[] toxics = _toxics.Snapshot;
                            session = toxics.Length == 0 ? null : ToxicSession.TryCreate(toxics, backend, Stopping);
                            bool plain = session == null;
                            connection = new ProxyConnection(client, _options.Replay && plain, _options.ResponseTimeout > TimeSpan.Zero && plain);
                            _connections.Add(connection);
                            pump = new DuplexPump(client, _options.FinTimeout, connection.Pending)
                            {
                                Activity = connection,
                                ClientToServerTotal = Statistics.BytesFromClients,
                                ServerToClientTotal = Statistics.BytesFromBackends,
                            };
                            if (session != null)
                            {
                                Statistics.OnToxicApplied();
                                connection.Attach(server, backend);
                                session.Start(connection, pump);
                            }
                        }
                        ProxyAttemptOutcome outcome = await ProxyAsync(connection, pump!, server, backend, MayMove(tried, attempt, backend)).ConfigureAwait(false);
                        if (outcome == ProxyAttemptOutcome.Completed)
                        {
                            Statistics.OnServed();
                            return;
                        }
                        OnFailedBeforeResponse(backend, connection, pump!);
                        if (outcome == ProxyAttemptOutcome.FailedBeforeResponse)
                        {
                            Statistics.OnFailed();
                            return;
                        }
                        movedFrom = backend;
                        if (connection.Aborted)
                        {
                            Statistics.OnFailed();
                            resetClient = true;
                            return;
                        }
                    }

                    if (attempt >= _options.Retries || Stopping.IsCancellationRequested)
                    {
                        Statistics.OnFailed();
                        resetClient = true;
                        client.Abort();
                        return;
                    }
                    tried ??= new Backend?[_options.Retries + 1];
                    tried[attempt] = backend;
                }
            }
            finally
            {
                if (pump != null)
                {
                    await pump.EndAsync(resetClient).ConfigureAwait(false);
                }
                if (connection != null)
                {
                    _connections.Remove(connection);
                }
                session?.Dispose();
            }
        }

        private async Task<ProxyAttemptOutcome> ProxyAsync(ProxyConnection connection, DuplexPump pump, Socket server, Backend backend, bool mayMove)
        {
            try
            {
                connection.Attach(server, backend);
                if (Stopping.IsCancellationRequested || backend.State == BackendState.Disabled || connection.Aborted)
                {
                    connection.Abort();
                }
                pump.ClientToServer = backend.BytesToBackend;
                pump.ServerToClient = backend.BytesFromBackend;
                return await pump.RunAsync(server, mayMove).ConfigureAwait(false);
            }
            finally
            {
                ReleaseBackend(backend);
            }
        }

        /// <summary>
        /// Whether a connection on <paramref name="current"/> may still move if that backend fails
        /// before answering: replay is on, an attempt is left, and an Up backend is left untried.
        /// </summary>
        private bool MayMove(Backend?[]? tried, int attempt, Backend current)
        {
            if (!_options.Replay || attempt >= _options.Retries || Stopping.IsCancellationRequested)
            {
                return false;
            }
            foreach (Backend backend in _pool.Snapshot)
            {
                if (backend.IsUp && !ReferenceEquals(backend, current) && (tried == null || Array.IndexOf(tried, backend, 0, attempt) < 0))
                {
                    return true;
                }
            }
            return false;
        }

        /// <summary>Live traffic saw the backend fail before its first byte: counted towards taking it Down.</summary>
        private void OnFailedBeforeResponse(Backend backend, ProxyConnection connection, DuplexPump pump)
        {
            if (_options.ResponseTimeout <= TimeSpan.Zero || connection.Aborted)
            {
                return;
            }
            string what = connection.Pending!.TimedOut
                ? $"no answer within the response timeout of {_options.ResponseTimeout.TotalMilliseconds:0} ms"
                : pump.LastServerSide == PumpOutcome.Finished ? "closed before its first byte" : "reset before its first byte";
            backend.OnUnanswered(_prober != null ? _options.HealthCheck.Fall : 0, what);
        }

        /// <summary>
        /// The slow path, when no backend could be reserved at once: null when none is up (or
        /// untried); otherwise waits in the queue for a slot, and is rejected when it gets none.
        /// </summary>
        private async Task<(Backend? Backend, bool Rejected)> WaitForBackendAsync(Backend?[]? tried, int triedCount)
        {
            if (!AnyUpAndUntried(tried, triedCount))
            {
                return (null, false);
            }
            Backend? reserved = null;
            bool got = await _backendSlots.WaitForSlotAsync(
                () => (reserved = TryReserveBackend(tried, triedCount)) != null,
                _options.QueueTimeout,
                Stopping).ConfigureAwait(false);
            return got ? (reserved, false) : (null, AnyUpAndUntried(tried, triedCount));
        }

        private Backend? TryReserveBackend(Backend?[]? tried, int triedCount)
        {
            Backend[] pool = _pool.Snapshot;
            for (int i = 0; i < pool.Length; i++)
            {
                Backend? candidate = _scheduler.Pick(pool, tried, triedCount);
                if (candidate == null)
                {
                    return null;
                }
                if (candidate.TryReserve())
                {
                    return candidate;
                }
            }
            return null;
        }

        private bool AnyUpAndUntried(Backend?[]? tried, int triedCount)
        {
            foreach (Backend backend in _pool.Snapshot)
            {
                if (backend.IsUp && (tried == null || Array.IndexOf(tried, backend, 0, triedCount) < 0))
                {
                    return true;
                }
            }
            return false;
        }

        private void ReleaseBackend(Backend backend)
        {
            backend.Release();
            if (backend.MaxConnections > 0)
            {
                _backendSlots.SignalOne();
            }
        }

        private Task<bool> AdmitAsync()
        {
            if (_options.MaxConnections == 0 || TryAdmit())
            {
                return Task.FromResult(true);
            }
            return _clientSlots.WaitForSlotAsync(TryAdmit, _options.QueueTimeout, Stopping);
        }

        private bool TryAdmit()
        {
            int current;
            do
            {
                current = Volatile.Read(ref _admitted);
                if (current >= _options.MaxConnections)
                {
                    return false;
                }
            }
            while (Interlocked.CompareExchange(ref _admitted, current + 1, current) != current);
            return true;
        }

        private void StartLoopGuard()
        {
            RunningBalancers.Add(this);
            _outgoing.SocketUnavailable = error => BeginExhaustion(error, "opening backend connections");
            _outgoing.SocketCreated = EndExhaustion;
            _outgoingPruner = new Timer(_ => _outgoing.Prune(), null, 1000, 1000);
            Stopping.Register(() => _outgoingPruner.Dispose());
        }

        /// <summary>
        /// Closes a client that is our own outgoing connection: a backend that leads back here got
        /// past the start-time check (a name or a NAT that reaches this listener). Cutting it ends
        /// the chain at its second link instead of when the process runs out of descriptors.
        /// </summary>
        private bool CutIfLoop(Socket client)
        {
            if (!_outgoing.IsOwn(client))
            {
                return false;
            }
            long cut = Statistics.OnLoopCut();
            client.Abort();
            if (_loopWarnings.TryPass())
            {
                Warning?.Invoke(this, new BalancerWarningEventArgs(
                    $"A backend leads back to this balancer ({Endpoints.Format(LocalEndPoint)}): a connection from its own outgoing connection was closed ({cut} so far, see LoopsCut). Check the backends for this balancer's own address under another name."));
            }
            return true;
        }

        /// <summary>A client dropped by an unexpected failure (no file descriptor for the backend socket, say) is still counted.</summary>
        private void OnDroppedByError(Socket client, Exception error)
        {
            Statistics.OnFailed();
            client.Abort();
            if (_errorWarnings.TryPass())
            {
                Warning?.Invoke(this, new BalancerWarningEventArgs($"A client connection was dropped by an unexpected error (counted in Failed): {error.Message}"));
            }
        }

        protected override void OnAcceptExhausted(SocketError error) => BeginExhaustion(error, "accepting connections");

        protected override void OnAcceptRecovered() => EndExhaustion();

        /// <summary>One warning when sockets run out (accepting or connecting), not one per failure; <see cref="EndExhaustion"/> ends the episode.</summary>
        private void BeginExhaustion(SocketError error, string doing)
        {
            if (Interlocked.Exchange(ref _descriptorsExhausted, 1) == 0)
            {
                Warning?.Invoke(this, new BalancerWarningEventArgs(
                    $"Balancer {Endpoints.Format(LocalEndPoint)} cannot create sockets while {doing}: {Describe(error)}. New clients wait in the listen backlog until descriptors are free again; clients that cannot get a backend connection are reset and counted in Failed."));
            }
        }

        private void EndExhaustion()
        {
            if (Volatile.Read(ref _descriptorsExhausted) != 0 && Interlocked.Exchange(ref _descriptorsExhausted, 0) != 0)
            {
                Warning?.Invoke(this, new BalancerWarningEventArgs($"Balancer {Endpoints.Format(LocalEndPoint)} can create sockets again.", resolved: true));
            }
        }

        private static string Describe(SocketError error)
            => error == SocketError.TooManyOpenSockets
                ? "too many open files (the process or system file-descriptor limit, ulimit -n, is reached)"
                : "no buffer space or memory for a new socket (" + error + ")";

        /// <summary>
        /// Resets connections idle past the idle timeout, and times out the backend of those whose
        /// client has waited past the response timeout for a first byte (the pump then moves or
        /// resets the connection).
        /// </summary>
        private void Sweep() => _connections.ForEachWhere(_isOverdue, _endOverdue);

        private bool IsOverdue(ProxyConnection c)
            => c.IdleMilliseconds >= _idleLimit || (_responseLimit > 0 && c.Pending != null && c.Pending.IsOverdue(c.IdleMilliseconds, _responseLimit));

        private void EndOverdue(ProxyConnection c)
        {
            if (c.IdleMilliseconds >= _idleLimit)
            {
                c.Abort();
            }
            else
            {
                c.Pending!.TimeOut();
            }
        }

        private Backend CreateBackend(BackendDefinition definition)
        {
            int maxConnections = definition.MaxConnections ?? _options.BackendMaxConnections;
            var backend = new Backend(definition.Address, maxConnections, definition.Weight, definition.Backup) { Outgoing = _outgoing };
            backend.StateChanged += (sender, e) => BackendStateChanged?.Invoke(this, e);
            return backend;
        }

        private static TcpBalancerOptions Validated(TcpBalancerOptions options)
        {
            if (options == null)
            {
                throw new ArgumentNullException(nameof(options));
            }
            options.Validate();
            return options;
        }
    }
}
