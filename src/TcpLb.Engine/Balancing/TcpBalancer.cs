using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Balancing.Scheduling;
using TcpLb.Engine.Access;
using TcpLb.Engine.Net;
using TcpLb.Engine.Proxying;
using TcpLb.Engine.Proxying.Toxics;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// A TCP load balancer: accepts client connections, picks a backend per connection (by the
    /// <see cref="BalancingAlgorithm"/> over the backends that are Up; backups only when no primary
    /// is available), fails over to another backend when a connect fails or
    /// when the backend fails before its first byte (replaying what the client sent), and proxies
    /// bytes both ways with <see cref="DuplexPump"/>. Health checks, limits and pool
    /// changes run beside the data path and cost it nothing per read or write.
    /// </summary>
    public sealed partial class TcpBalancer : TcpServer
    {
        // Settings are an immutable snapshot, read per decision without a lock; a reload or
        // SetAlgorithm publishes a new one (under _reconfigureLock, writers only).
        private volatile TcpBalancerOptions _options;
        private readonly object _reconfigureLock = new object();
        private readonly BackendPool _pool;
        private volatile BackendScheduler _scheduler;
        private readonly ConnectionTable _connections = new ConnectionTable();
        private readonly ToxicSet _toxics = new ToxicSet();
        private readonly OutageHolder _held = new OutageHolder();
        private readonly object _outageGate = new object();
        private volatile BalancerOutage _outage;
        private readonly SlotWaitQueue _clientSlots;
        private readonly SlotWaitQueue _backendSlots;
        private volatile HealthProber? _prober;
        private CancellationTokenSource? _proberStop;
        private long _idleLimit;
        private int _responseLimit;
        private readonly Func<ProxyConnection, bool> _isOverdue;
        private readonly Action<ProxyConnection> _endOverdue;
        private Timer? _sweeper;
        private readonly OutgoingConnections _outgoing = new OutgoingConnections();
        private readonly WarningGate _loopWarnings = new WarningGate(TimeSpan.FromMinutes(1));
        private readonly WarningGate _errorWarnings = new WarningGate(TimeSpan.FromMinutes(1));
        private readonly WarningGate _proxyHeaderWarnings = new WarningGate(TimeSpan.FromMinutes(1));
        private Timer? _outgoingPruner;
        private int _descriptorsExhausted;
        private int _admitted;
        private readonly SourceGate _gate;

        public TcpBalancer(TcpBalancerOptions options)
            : base(Validated(options).ListenAddress, options.Port)
        {
            _options = options.Copy();
            _scheduler = BackendScheduler.Create(options.Algorithm);
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
                _prober = new HealthProber(_pool, _options.HealthCheck, _options.BackendTls);
            }
            SetTimeoutLimits(_options);
            _gate = new SourceGate(AccessRules.Create(options.AllowFrom, options.DenyFrom), options.MaxConnectionsPerSource, options.ConnectionRatePerSource, options.SourceTableCapacity);
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

        /// <summary>The backends in pool order, as the pool is now.</summary>
        public IReadOnlyList<Backend> Backends => _pool.Snapshot;

        /// <summary>The settings in force now (a snapshot: change them with <see cref="ApplySettings"/>, not here).</summary>
        public TcpBalancerOptions Options => _options;

        public BalancerStatistics Statistics { get; } = new BalancerStatistics();

        /// <summary>The accept-time checks: access rules (with their counters) and per-source limits.</summary>
        public SourceGate Access => _gate;

        /// <summary>
        /// Puts a new rule set in force for the next accepted connection (open connections stay);
        /// the counters of the new rules start at zero, <see cref="BalancerStatistics.Denied"/> goes on.
        /// </summary>
        public void SetAccessRules(AccessRules rules) => _gate.Rules = rules ?? throw new ArgumentNullException(nameof(rules));

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
            lock (_reconfigureLock)
            {
                // One reference write: each new connection uses the old scheduler or the new one, never a mix.
                _scheduler = BackendScheduler.Create(algorithm);
                TcpBalancerOptions next = _options.Copy();
                next.Algorithm = algorithm;
                _options = next;
            }
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
        /// Changes a backend's backup flag and connection limit in place to match
        /// <paramref name="definition"/> (limit null: the balancer's BackendMaxConnections), for new
        /// connections: it keeps its place in the rotation, its counters, state and open
        /// connections. The weight is <see cref="SetWeight"/>'s. False when it is not in the pool.
        /// </summary>
        public bool UpdateBackend(BackendDefinition definition)
        {
            Backend? backend = _pool.Find((definition ?? throw new ArgumentNullException(nameof(definition))).Address);
            if (backend == null)
            {
                return false;
            }
            backend.SetBackup(definition.Backup);
            backend.SetMaxConnections(definition.MaxConnections ?? _options.BackendMaxConnections);
            _backendSlots.SignalAll();
            return true;
        }

        /// <summary>
        /// Applies every setting of <paramref name="settings"/> that can change while running, for
        /// new connections (open ones keep the timeouts and retries they started with): timeouts,
        /// retries, replay, limits, queue, slow start and health checks (the checks restart with
        /// the new settings). The algorithm is changed with <see cref="SetAlgorithm"/>, the pool with
        /// AddBackend, RemoveBackend, SetWeight and UpdateBackend; the listen address and port cannot change and must be equal (a
        /// port of 0 means "as bound"). Throws <see cref="ArgumentException"/> for invalid settings,
        /// leaving the balancer as it was.
        /// </summary>
        public void ApplySettings(TcpBalancerOptions settings)
        {
            if (settings == null)
            {
                throw new ArgumentNullException(nameof(settings));
            }
            lock (_reconfigureLock)
            {
                TcpBalancerOptions previous = _options;
                if (!Equals(settings.ListenAddress, previous.ListenAddress))
                {
                    throw new ArgumentException($"The listen address cannot change while the balancer runs ({previous.ListenAddress} to {settings.ListenAddress}). Stop it and start it again.", nameof(settings));
                }
                if (settings.Port != 0 && settings.Port != Port)
                {
                    throw new ArgumentException($"The port cannot change while the balancer runs ({Port} to {settings.Port}). Stop it and start it again.", nameof(settings));
                }
                TcpBalancerOptions next = settings.Copy();
                next.Port = previous.Port;
                next.Algorithm = previous.Algorithm; // SetAlgorithm changes it
                // Not reloaded: TLS (the listener's and the connector's certificates), the PROXY
                // protocol, and access rules and per-source limits (Set-TcpBalancerAccess changes those).
                next.Tls = previous.Tls;
                next.BackendTls = previous.BackendTls;
                next.AcceptProxyProtocol = previous.AcceptProxyProtocol;
                next.ProxyHeaderTimeout = previous.ProxyHeaderTimeout;
                next.SendProxyProtocol = previous.SendProxyProtocol;
                next.MaxConnectionsPerSource = previous.MaxConnectionsPerSource;
                next.ConnectionRatePerSource = previous.ConnectionRatePerSource;
                next.SourceTableCapacity = previous.SourceTableCapacity;
                ReplaceAll(next.AllowFrom, previous.AllowFrom);
                ReplaceAll(next.DenyFrom, previous.DenyFrom);
                // The pool is not part of the settings: validate them beside a pool of one.
                next.Backends.Clear();
                next.Backends.Add(new BackendAddress("127.0.0.1", 1));
                next.Validate();
                next.Backends.Clear();
                _options = next;
                _clientSlots.Capacity = next.QueueLength;
                _backendSlots.Capacity = next.QueueLength;
                SetTimeoutLimits(next);
                if (next.SlowStart != previous.SlowStart)
                {
                    // Applies from the next return to Up; a ramp under way keeps its length.
                    foreach (Backend backend in _pool.Snapshot)
                    {
                        backend.SlowStartTicks = SlowStartTicks(next);
                    }
                }
                if (IsStarted)
                {
                    ScheduleSweeper();
                    if (!SameHealthChecks(previous.HealthCheck, next.HealthCheck))
                    {
                        RestartProber(next.HealthCheck);
                    }
                }
                else
                {
                    // Not started yet: Start runs the checks as they are now.
                    _prober = next.HealthCheck.Enabled ? new HealthProber(_pool, next.HealthCheck, next.BackendTls) : null;
                }
                // Raised limits, a longer queue: those waiting look again.
                _clientSlots.SignalAll();
                _backendSlots.SignalAll();
            }
        }

        /// <summary>
        /// The configuration as it is now: the options it started with, and the pool, weights,
        /// backups and algorithm as runtime changes left them. A new object; changing it changes nothing.
        /// </summary>
        public TcpBalancerOptions CurrentConfiguration()
        {
            TcpBalancerOptions current = _options.Copy();
            current.Port = Port;
            current.AllowFrom.Clear();
            current.DenyFrom.Clear();
            AccessRules rules = _gate.Rules;
            Array.ForEach(rules.AllowTexts(), current.AllowFrom.Add);
            Array.ForEach(rules.DenyTexts(), current.DenyFrom.Add);
            current.Backends.Clear();
            foreach (Backend backend in _pool.Snapshot)
            {
                int? limit = backend.MaxConnections == current.BackendMaxConnections ? (int?)null : backend.MaxConnections;
                current.Backends.Add(new BackendDefinition(backend.Address, backend.Weight, backend.IsBackup, limit, backend.SendProxyProtocol));
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
                lock (_reconfigureLock)
                {
                    _sweeper?.Dispose();
                    _sweeper = null;
                }
                _connections.AbortWhere(_ => true);
            });
            lock (_reconfigureLock)
            {
                IsStarted = true;
                HealthProber? prober = _prober;
                if (prober != null)
                {
                    _proberStop = CancellationTokenSource.CreateLinkedTokenSource(Stopping);
                    _ = prober.RunAsync(_proberStop.Token);
                }
                ScheduleSweeper();
            }
        }

        private bool IsStarted { get; set; }

        private void SetTimeoutLimits(TcpBalancerOptions options)
        {
            Volatile.Write(ref _idleLimit, options.IdleTimeout == Timeout.InfiniteTimeSpan ? long.MaxValue : (long)options.IdleTimeout.TotalMilliseconds);
            Volatile.Write(ref _responseLimit, (int)options.ResponseTimeout.TotalMilliseconds);
        }

        /// <summary>One sweeper serves both timeouts: no timer per connection. Called under _reconfigureLock.</summary>
        private void ScheduleSweeper()
        {
            if (Stopping.IsCancellationRequested)
            {
                return;
            }
            TcpBalancerOptions options = _options;
            long period = long.MaxValue;
            if (options.IdleTimeout != Timeout.InfiniteTimeSpan)
            {
                period = (long)options.IdleTimeout.TotalMilliseconds / 4;
            }
            if (options.ResponseTimeout > TimeSpan.Zero)
            {
                period = Math.Min(period, (long)options.ResponseTimeout.TotalMilliseconds / 10);
            }
            if (period == long.MaxValue)
            {
                _sweeper?.Change(Timeout.Infinite, Timeout.Infinite);
                return;
            }
            period = Math.Max(50, Math.Min(1000, period));
            if (_sweeper == null)
            {
                _sweeper = new Timer(_ => Sweep(), null, period, period);
            }
            else
            {
                _sweeper.Change(period, period);
            }
        }

        /// <summary>Stops the running checks and starts them with new settings (or none). Called under _reconfigureLock.</summary>
        private void RestartProber(HealthCheckOptions settings)
        {
            _proberStop?.Cancel();
            _proberStop?.Dispose();
            _proberStop = null;
            HealthProber? prober = settings.Enabled ? new HealthProber(_pool, settings, _options.BackendTls) : null;
            _prober = prober;
            if (prober != null)
            {
                _proberStop = CancellationTokenSource.CreateLinkedTokenSource(Stopping);
                _ = prober.RunAsync(_proberStop.Token);
            }
        }

        private static bool SameHealthChecks(HealthCheckOptions a, HealthCheckOptions b)
            => a.Interval == b.Interval && a.Timeout == b.Timeout && a.Rise == b.Rise && a.Fall == b.Fall
               && a.Send == b.Send && a.ExpectPrefix == b.ExpectPrefix;

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
            ProxyHeader? received = null;
            if (_options.AcceptProxyProtocol)
            {
                received = await ReadProxyHeaderAsync(client).ConfigureAwait(false);
                if (received == null)
                {
                    return;
                }
            }
            int sourceTicket = -1;
            if (_gate.IsActive && !PassesGate(client, received, out sourceTicket))
            {
                return;
            }
            bool queued = !TryAdmit();
            if (queued && !await _clientSlots.WaitForSlotAsync(TryAdmit, _options.QueueTimeout, Stopping).ConfigureAwait(false))
            {
                if (!CountIfAbandoned(client))
                {
                    Statistics.OnRejected();
                }
                client.Abort();
                _gate.Release(sourceTicket);
                return;
            }
            try
            {
                if (queued && CountIfAbandoned(client))
                {
                    client.Abort();
                    return;
                }
                await (UsesTls ? ConnectAndProxyTlsAsync(client, received) : ConnectAndProxyAsync(client, received)).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                OnDroppedByError(client, e);
            }
            finally
            {
                _gate.Release(sourceTicket);
                // Counted whatever the limit, so a limit set by a reload sees the connections already open.
                Interlocked.Decrement(ref _admitted);
                _clientSlots.SignalOne();
            }
        }

        /// <summary>Access rules and per-source limits, before any backend is touched: a refused client is reset and counted.</summary>
        private bool PassesGate(Socket client, ProxyHeader? received, out int sourceTicket)
        {
            sourceTicket = -1;
            IPAddress? source = received?.Source?.Address ?? (client.RemoteEndPoint as IPEndPoint)?.Address;
            if (source == null)
            {
                return true;
            }
            SourceVerdict verdict = _gate.Check(source, out sourceTicket);
            if (verdict == SourceVerdict.Admitted)
            {
                return true;
            }
            if (verdict == SourceVerdict.Denied)
            {
                Statistics.OnDenied();
            }
            else
            {
                Statistics.OnRejected();
            }
            client.Abort();
            return false;
        }

        /// <summary>The client's PROXY header (AcceptProxyProtocol), or null when it was bad: then the client is reset and counted.</summary>
        private async Task<ProxyHeader?> ReadProxyHeaderAsync(Socket client)
        {
            ProxyParseResult result = await ProxyHeaderReader.ReadAsync(client, _options.ProxyHeaderTimeout, Stopping).ConfigureAwait(false);
            if (result.Status == ProxyParseStatus.Complete)
            {
                return result.Header;
            }
            if (Stopping.IsCancellationRequested)
            {
                // Cut off by the stop, not by a bad header.
                Statistics.OnFailed();
                client.Abort();
                return null;
            }
            long bad = Statistics.BadProxyHeaders + 1;
            Statistics.OnBadProxyHeader(); // counted before the client can see its reset
            client.Abort();
            if (_proxyHeaderWarnings.TryPass())
            {
                Warning?.Invoke(this, new BalancerWarningEventArgs(
                    $"A client of {Endpoints.Format(LocalEndPoint)} was reset: {result.Problem} ({bad} so far, see BadProxyHeaders). This listener expects a PROXY protocol header (-AcceptProxyProtocol) from a proxy in front of it."));
            }
            return null;
        }

        /// <summary>
        /// Sends the backend's PROXY header (its own version, else the balancer's) on a fresh
        /// connection: the client as the proxy in front saw it, or as this listener sees it.
        /// False when the backend is already gone (the socket is closed then).
        /// </summary>
        private bool TrySendProxyHeader(Socket server, Backend backend, Socket client, ProxyHeader? received, ref OutgoingProxyHeaders? headers)
        {
            ProxyProtocolVersion version = backend.SendProxyProtocol ?? _options.SendProxyProtocol;
            if (version == ProxyProtocolVersion.None)
            {
                return true;
            }
            headers ??= new OutgoingProxyHeaders(received?.Source ?? client.RemoteEndPoint as IPEndPoint, received?.Destination ?? client.LocalEndPoint as IPEndPoint);
            byte[]? header = headers.For(version);
            return header == null || TrySendProxyHeader(server, header);
        }

        /// <summary>Sends the PROXY header on a fresh backend connection; false (the socket closed) when the backend is already gone.</summary>
        private static bool TrySendProxyHeader(Socket server, byte[] header)
        {
            try
            {
                // A few dozen bytes into an empty send buffer: completes at once.
                if (server.Send(header) == header.Length)
                {
                    return true;
                }
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
            server.Abort();
            return false;
        }

        private async Task ConnectAndProxyAsync(Socket client, ProxyHeader? received)
        {
            OutgoingProxyHeaders? proxyHeaders = null;
            // One snapshot for the whole connection: a reload meanwhile applies to the next one.
            TcpBalancerOptions options = _options;
            Backend?[]? tried = null;
            ulong clientHash = _scheduler.UsesClientAddress ? ClientHash(client, received) : 0;
            ProxyConnection? connection = null;
            DuplexPump? pump = null;
            ToxicSession? session = null;
            Backend? movedFrom = null; // the last backend ended before answering; the connection moves on
            bool resetClient = false;
            try
            {
                for (int attempt = 0; ; attempt++)
                {
                    var request = new PickRequest(clientHash, tried, attempt);
                    // Before the first backend nothing reads the client, so a reset while queued shows.
                    Backend? backend = TryReserveBackend(request) ?? await WaitForBackendAsync(request, connection == null ? client : null).ConfigureAwait(false);
                    if (backend == null)
                    {
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
                    Socket? server = await BackendConnector.ConnectAsync(backend, options.ConnectTimeout, Stopping).ConfigureAwait(false);
                    if (server != null && !TrySendProxyHeader(server, backend, client, received, ref proxyHeaders))
                    {
                        server = null;
                    }
                    if (server == null)
                    {
                        ReleaseBackend(backend);
                        backend.OnConnectFailed(_prober != null ? options.ConnectFailuresBeforeDown : 0);
                        if ((options.RetryOn & RetryConditions.ConnectFailure) == 0)
                        {
                            Statistics.OnFailed();
                            resetClient = true;
                            return;
                        }
                    }
                    else
                    {
                        backend.OnConnected();
                        if (backend.IsBackup)
                        {
                            Statistics.OnSentToBackup();
                        }
                        if (connection == null)
                        {
                            // Drawn once, at the first backend reached: a toxic is the path's fault, so a
                            // connection it touches is neither replayed nor watched before the first byte.
                            BalancerToxic[] toxics = _toxics.Snapshot;
                            session = toxics.Length == 0 ? null : ToxicSession.TryCreate(toxics, backend, Stopping);
                            bool plain = session == null;
                            // Watched until the first byte whatever the settings: a reset before it is a
                            // failure of the backend, and a connection that may move is not yet the backend's.
                            connection = new ProxyConnection(client, options.Replay && plain, watchResponse: plain);
                            _connections.Add(connection);
                            pump = new DuplexPump(client, options.FinTimeout, connection.Pending)
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
                        ProxyAttemptOutcome outcome = await ProxyAsync(connection, pump!, server, backend, MovableEnds(options, tried, attempt, backend)).ConfigureAwait(false);
                        if (outcome == ProxyAttemptOutcome.Completed)
                        {
                            // Ended on this backend: its count and Served agree, whatever ended it.
                            connection.CountOnBackend();
                            Statistics.OnServed();
                            return;
                        }
                        OnFailedBeforeResponse(options, backend, connection, pump!);
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

                    if (attempt >= options.Retries || Stopping.IsCancellationRequested)
                    {
                        Statistics.OnFailed();
                        resetClient = true;
                        client.Abort();
                        return;
                    }
                    tried ??= new Backend?[options.Retries + 1];
                    tried[attempt] = backend;
                }
            }
            finally
            {
                if (pump != null)
                {
                    await pump.EndAsync(resetClient).ConfigureAwait(false);
                }
                else if (resetClient)
                {
                    client.Abort();
                }
                if (connection != null)
                {
                    _connections.Remove(connection);
                }
                session?.Dispose();
            }
        }

        private async Task<ProxyAttemptOutcome> ProxyAsync(ProxyConnection connection, DuplexPump pump, Socket server, Backend backend, UnansweredEnd moveOn)
        {
            try
            {
                connection.Attach(server, backend);
                if (connection.Pending == null)
                {
                    // Nothing can move this connection: it is the backend's from its connect.
                    connection.CountOnBackend();
                }
                if (Stopping.IsCancellationRequested || backend.State == BackendState.Disabled || connection.Aborted)
                {
                    connection.Abort();
                }
                pump.ClientToServer = backend.BytesToBackend;
                pump.ServerToClient = backend.BytesFromBackend;
                return await pump.RunAsync(server, moveOn).ConfigureAwait(false);
            }
            finally
            {
                ReleaseBackend(backend);
            }
        }

        /// <summary>
        /// How a connection on <paramref name="current"/> may still move if that backend ends
        /// before answering: the replaying <see cref="TcpBalancerOptions.RetryOn"/> conditions, when
        /// an attempt is left and an Up backend is left untried; otherwise none.
        /// </summary>
        private UnansweredEnd MovableEnds(TcpBalancerOptions options, Backend?[]? tried, int attempt, Backend current)
        {
            RetryConditions replay = options.RetryOn & TcpBalancerOptions.ReplayConditions;
            if (replay == RetryConditions.None || attempt >= options.Retries || Stopping.IsCancellationRequested)
            {
                return UnansweredEnd.None;
            }
            foreach (Backend backend in _pool.Snapshot)
            {
                if (backend.IsUp && !ReferenceEquals(backend, current) && (tried == null || Array.IndexOf(tried, backend, 0, attempt) < 0))
                {
                    return ((replay & RetryConditions.Reset) != 0 ? UnansweredEnd.Reset : UnansweredEnd.None)
                        | ((replay & RetryConditions.EmptyResponse) != 0 ? UnansweredEnd.Close : UnansweredEnd.None)
                        | ((replay & RetryConditions.ResponseTimeout) != 0 ? UnansweredEnd.Timeout : UnansweredEnd.None);
                }
            }
            return UnansweredEnd.None;
        }

        /// <summary>
        /// Live traffic saw the backend fail before its first byte (a reset within the replay
        /// window, or no answer within the response timeout): counted towards taking it Down. A
        /// clean close and silence are not failures; neither is a connection reset from outside.
        /// </summary>
        private void OnFailedBeforeResponse(TcpBalancerOptions options, Backend backend, ProxyConnection connection, DuplexPump pump)
        {
            UnansweredEnd end = pump.LastEnd;
            if (connection.Aborted || (end & (UnansweredEnd.Reset | UnansweredEnd.Timeout)) == 0)
            {
                return;
            }
            string what = end == UnansweredEnd.Timeout
                ? $"no answer within the response timeout of {options.ResponseTimeout.TotalMilliseconds:0} ms"
                : "reset before its first byte";
            backend.OnUnanswered(_prober != null ? options.HealthCheck.Fall : 0, what);
        }

        /// <summary>
        /// The slow path, when no backend could be reserved at once: null, counted in Failed, when
        /// none is up (or untried); otherwise waits in the queue for a slot, and is null, counted in
        /// Rejected, when it gets none. Null too, counted in Failed and AbandonedInQueue, when
        /// <paramref name="unread"/> (the client, while nothing reads it yet) reset while it waited.
        /// </summary>
        private async Task<Backend?> WaitForBackendAsync(PickRequest request, Socket? unread)
        {
            if (!AnyUpAndUntried(request.Excluded, request.ExcludedCount))
            {
                Statistics.OnFailed();
                return null;
            }
            Backend? reserved = null;
            bool got = await _backendSlots.WaitForSlotAsync(
                () => (reserved = TryReserveBackend(request)) != null,
                _options.QueueTimeout,
                Stopping).ConfigureAwait(false);
            if (got)
            {
                if (unread == null || !CountIfAbandoned(unread))
                {
                    return reserved;
                }
                ReleaseBackend(reserved!);
                return null;
            }
            if (unread != null && CountIfAbandoned(unread))
            {
                return null;
            }
            if (AnyUpAndUntried(request.Excluded, request.ExcludedCount))
            {
                Statistics.OnRejected();
            }
            else
            {
                Statistics.OnFailed();
            }
            return null;
        }

        /// <summary>
        /// A client that reset while it waited for a slot is not sent to a backend (HAProxy opens
        /// none either), and not counted Rejected when its wait ran out: counted in Failed and
        /// AbandonedInQueue; the caller resets it. A FIN alone is a half-close after the request,
        /// and the client is served.
        /// </summary>
        private bool CountIfAbandoned(Socket client)
        {
            if (!PeerReset.HasBeenReset(client))
            {
                return false;
            }
            Statistics.OnAbandonedInQueue();
            return true;
        }

        /// <summary>The client's address hashed for SourceHash: the one its PROXY header carries, else the socket's peer.</summary>
        private static ulong ClientHash(Socket client, ProxyHeader? received)
        {
            IPAddress? source = received?.Source?.Address ?? (client.RemoteEndPoint as IPEndPoint)?.Address;
            return source != null ? SourceHashScheduler.HashOf(source) : 0;
        }

        private Backend? TryReserveBackend(in PickRequest request)
        {
            Backend[] pool = _pool.Snapshot;
            BackendScheduler scheduler = _scheduler;
            for (int i = 0; i < pool.Length; i++)
            {
                Backend? candidate = scheduler.Pick(pool, request);
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

        private bool TryAdmit()
        {
            int limit = _options.MaxConnections;
            if (limit == 0)
            {
                Interlocked.Increment(ref _admitted);
                return true;
            }
            int current;
            do
            {
                current = Volatile.Read(ref _admitted);
                if (current >= limit)
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
        {
            int responseLimit = Volatile.Read(ref _responseLimit);
            return c.IdleMilliseconds >= Volatile.Read(ref _idleLimit) || (responseLimit > 0 && c.Pending != null && c.Pending.IsOverdue(c.IdleMilliseconds, responseLimit));
        }

        private void EndOverdue(ProxyConnection c)
        {
            if (c.IdleMilliseconds >= Volatile.Read(ref _idleLimit))
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
            var backend = new Backend(definition.Address, maxConnections, definition.Weight, definition.Backup)
            {
                Outgoing = _outgoing,
                SlowStartTicks = SlowStartTicks(_options),
                SendProxyProtocol = definition.SendProxyProtocol,
            };
            backend.StateChanged += (sender, e) => BackendStateChanged?.Invoke(this, e);
            return backend;
        }

        private static void ReplaceAll(IList<string> list, IEnumerable<string> items)
        {
            list.Clear();
            foreach (string item in items)
            {
                list.Add(item);
            }
        }

        private static long SlowStartTicks(TcpBalancerOptions options) => (long)(options.SlowStart.TotalSeconds * Stopwatch.Frequency);

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
