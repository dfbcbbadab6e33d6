using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Access;
using TcpLb.Engine.Balancing.Scheduling;
using TcpLb.Engine.Net;
using TcpLb.Engine.Proxying.Toxics;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// A TCP load balancer: accepts client connections, picks a backend per connection (by the
    /// <see cref="BalancingAlgorithm"/> over the backends that are Up; backups only when no primary
    /// is available), fails over to another backend when a connect fails or
    /// when the backend fails before its first byte (replaying what the client sent), and proxies
    /// bytes both ways. Health checks, limits and pool changes run beside the data path and cost
    /// it nothing per read or write. The facade over three parts: the pool and its administration
    /// (<see cref="PoolAdministration"/>), the connection pipeline (<see cref="ConnectionAdmission"/>,
    /// <see cref="BackendPicker"/>, <see cref="ConnectionAttempts"/> over a transport per
    /// connection), and upkeep (<see cref="BalancerUpkeep"/>).
    /// </summary>
    public sealed class TcpBalancer : TcpServer
    {
        // Settings are an immutable snapshot, read per decision without a lock; a reload or
        // SetAlgorithm publishes a new one (under _reconfigureLock, writers only).
        private volatile TcpBalancerOptions _options;
        private readonly object _reconfigureLock = new object();
        private readonly ConnectionTable _connections = new ConnectionTable();
        private readonly ToxicSet _toxics = new ToxicSet();
        private readonly OutageHolder _held = new OutageHolder();
        private readonly object _outageGate = new object();
        private volatile BalancerOutage _outage;
        private readonly SourceGate _gate;
        private readonly PoolAdministration _admin;
        private readonly BackendPicker _picker;
        private readonly BalancerUpkeep _upkeep;
        private readonly ConnectionAdmission _admission;
        private readonly ConnectionAttempts _attempts;
        private LoopTransport? _loop; // the event-loop transport, when the balancer runs on it

        public TcpBalancer(TcpBalancerOptions options)
            : base(Validated(options).ListenAddress, options.Port)
        {
            _options = options.Copy();
            var outgoing = new OutgoingConnections();
            _admin = new PoolAdministration(this, _options, _connections, outgoing);
            _picker = new BackendPicker(_admin.Pool, options.Algorithm, options.QueueLength, Statistics, Tracer);
            _admin.Picker = _picker;
            foreach (BalancerToxic toxic in options.Toxics)
            {
                AddToxic(toxic ?? throw new ArgumentException("A toxic in Toxics is null."), raise: false);
            }
            _upkeep = new BalancerUpkeep(this, _admin.Pool, _connections, outgoing, _options);
            _gate = new SourceGate(AccessRules.Create(options.AllowFrom, options.DenyFrom), options.MaxConnectionsPerSource, options.ConnectionRatePerSource, options.SourceTableCapacity);
            _attempts = new ConnectionAttempts(this, _picker, _admin.Pool, _connections);
            _admission = new ConnectionAdmission(this, _attempts, _picker, _upkeep, _gate, options.QueueLength);
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

        /// <summary>
        /// Raised when the event loops (the loop transport's packed layout) change how many take
        /// new connections or decide to keep their count, a few times a minute at most under a
        /// changing load (on a timer thread). What a handler throws is dropped.
        /// </summary>
        public event EventHandler<LoopsChangedEventArgs>? LoopsChanged;

        /// <summary>
        /// Says why connections fail, are refused or move (one call per event, on the connection's
        /// thread): silent until set; null sets it silent again. Takes effect for the next event.
        /// </summary>
        public IBalancerTrace Trace
        {
            get => Tracer.Target;
            set => Tracer.Target = value;
        }

        /// <summary>The backends in pool order, as the pool is now.</summary>
        public IReadOnlyList<Backend> Backends => _admin.Pool.Snapshot;

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
        public int Queued => _admission.Waiting + _picker.Waiting;

        /// <summary>
        /// Adds a backend at the end of the rotation; it gets new connections at once. Throws
        /// <see cref="SelfLoopBackendException"/> for the balancer's own listener and
        /// <see cref="ArgumentException"/> for a backend already in the pool.
        /// </summary>
        public Backend AddBackend(BackendDefinition definition) => _admin.Add(definition ?? throw new ArgumentNullException(nameof(definition)));

        /// <summary>Takes a backend out of the rotation; its open connections finish. False when it is not in the pool.</summary>
        public bool RemoveBackend(BackendAddress address) => _admin.Remove(address);

        /// <summary>
        /// No new connections for the backend. With <paramref name="drain"/> its open connections
        /// finish (Draining); without, they are reset now (Disabled).
        /// </summary>
        public bool DisableBackend(BackendAddress address, bool drain) => _admin.Disable(address, drain);

        /// <summary>Puts a disabled or draining backend back into the rotation (Up, or Down while its checks fail).</summary>
        public bool EnableBackend(BackendAddress address) => _admin.Enable(address);

        public Backend? FindBackend(BackendAddress address) => _admin.Pool.Find(address);

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
                _picker.Scheduler = BackendScheduler.Create(algorithm);
                TcpBalancerOptions next = _options.Copy();
                next.Algorithm = algorithm;
                _options = next;
            }
        }

        /// <summary>Changes a backend's weight for new connections. False when it is not in the pool.</summary>
        public bool SetWeight(BackendAddress address, int weight) => _admin.SetWeight(address, weight);

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
                    _loop?.ReleaseHeld();
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
            if (toxic.Backend != null && _admin.Pool.Find(toxic.Backend) == null)
            {
                throw new ArgumentException($"Toxic '{toxic.Name}' names backend {toxic.Backend}, which is not in the pool. Use one of: {string.Join(", ", Array.ConvertAll(_admin.Pool.Snapshot, b => b.Address.ToString()))}, or no backend for all of them.", nameof(toxic));
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
        public bool UpdateBackend(BackendDefinition definition) => _admin.Update(definition ?? throw new ArgumentNullException(nameof(definition)), _options);

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
                TcpBalancerOptions next = ReloadPlan.Next(previous, settings, Port);
                _options = next;
                _admission.QueueCapacity = next.QueueLength;
                _picker.QueueCapacity = next.QueueLength;
                if (next.SlowStart != previous.SlowStart)
                {
                    _admin.ApplySlowStart(next);
                }
                _upkeep.Apply(previous, next, IsStarted);
                _loop?.ApplyTimeouts(next);
                // Raised limits, a longer queue: those waiting look again.
                _admission.SignalAll();
                _picker.SignalAll();
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
            _admin.Describe(current.Backends, current.BackendMaxConnections);
            current.Toxics.Clear();
            foreach (BalancerToxic toxic in _toxics.Snapshot)
            {
                current.Toxics.Add(toxic.Copy());
            }
            return current;
        }

        /// <summary>Refuses a backend that is this listener, now that the real port is known (port 0 too).</summary>
        protected override void OnBound(IPEndPoint localEndPoint) => _admin.EnsureNoLoops(localEndPoint);

        protected override void OnStopped() => RunningBalancers.Remove(this);

        protected override void OnStarted()
        {
            Stopping.Register(() =>
            {
                lock (_reconfigureLock)
                {
                    _upkeep.Stop();
                }
                _connections.AbortWhere(_ => true);
            });
            lock (_reconfigureLock)
            {
                IsStarted = true;
                _upkeep.Start(_options);
            }
        }

        private bool IsStarted { get; set; }

        protected override Task HandleConnectionAsync(Socket client) => _admission.HandleAsync(client);

        /// <summary>The event-loop transport when <see cref="TcpBalancerOptions.Transport"/> (or TCPLB_TRANSPORT) chooses it; else the stream path's accept loops.</summary>
        private protected override IOwnListener? CreateOwnListener(IPEndPoint requested)
        {
            if (!TransportChoice.UsesLoop(_options))
            {
                return null;
            }
            _loop = new LoopTransport(this, requested, _admission, _picker, _attempts, _connections, _upkeep, OnOwnConnectionOpened, OnOwnConnectionClosed);
            return _loop;
        }

        /// <summary>Whether the balancer runs on the engine's own event loops (once started).</summary>
        internal bool OnEventLoop => _loop != null;

        /// <summary>The event-loop transport, when the balancer runs on it (tests).</summary>
        internal LoopTransport? LoopTransport => _loop;

        /// <summary>
        /// The transport the balancer runs on (before it starts, the one it will take):
        /// <see cref="BalancerTransport.Loop"/> or <see cref="BalancerTransport.Stream"/>, as
        /// <see cref="TcpBalancerOptions.Transport"/>, TCPLB_TRANSPORT, TLS and the system chose.
        /// Before the start, a TCPLB_TRANSPORT that names no transport throws <see cref="Net.EnvironmentValueException"/>.
        /// </summary>
        public BalancerTransport Transport
            => _loop != null || (!IsStarted && TransportChoice.UsesLoop(_options)) ? BalancerTransport.Loop : BalancerTransport.Stream;

        protected override void OnAcceptExhausted(SocketError error) => _upkeep.BeginExhaustion(error, "accepting connections");

        protected override void OnAcceptRecovered() => _upkeep.EndExhaustion();

        // What the pipeline's parts share with the facade.
        internal ConnectionTracer Tracer { get; } = new ConnectionTracer();

        internal CancellationToken StopToken => Stopping;

        internal BalancerToxic[] ToxicSnapshot => _toxics.Snapshot;

        internal OutageHolder HeldClients => _held;

        internal bool HasProber => _upkeep.HasProber;

        /// <summary>For the event loops the balancer runs on (the loop transport): what they catch becomes the balancer's warnings, their count's changes its <see cref="LoopsChanged"/>.</summary>
        internal Net.EventLoop.ILoopTrace LoopTrace => new BalancerLoopTrace(this, _upkeep);

        internal void RaiseWarning(string message, bool resolved = false) => Warning?.Invoke(this, new BalancerWarningEventArgs(message, resolved));

        internal void RaiseLoopsChanged(LoopsChangedEventArgs change) => LoopsChanged?.Invoke(this, change);

        internal void RaiseBackendStateChanged(BackendStateChangedEventArgs change) => BackendStateChanged?.Invoke(this, change);

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
