using System;
using System.Diagnostics;
using System.Net;
using System.Threading;
using TcpLb.Engine.Balancing.Scheduling;
using TcpLb.Engine.Net;
using TcpLb.Engine.Proxying;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// One backend of a balancer: its address, resolved endpoints, state and live counters.
    /// The state combines health (checks and connect failures) with what an operator asked
    /// (enabled, draining, disabled, removed).
    /// </summary>
    public sealed class Backend
    {
        private readonly IPEndPoint[] _endPoints;
        private readonly object _stateLock = new object();
        private int _preferred;
        private int _active;
        private long _total;
        private long _failures;
        private int _consecutiveConnectFailures;
        private int _consecutiveUnanswered;
        private long _redispatched;
        private long _toxicConnections;
        private int _checkSuccesses;
        private int _checkFailures;
        private volatile bool _healthy = true;
        private volatile BackendState _state = BackendState.Up;
        private BackendState _adminState = BackendState.Up;
        private volatile int _weight;
        private long _rampStart; // Stopwatch timestamp of the return to Up; 0 when not ramping
        private static int s_weightVersion;

        private volatile int _maxConnections;
        private volatile bool _backup;

        internal Backend(BackendAddress address, int maxConnections = 0, int weight = BackendDefinition.DefaultWeight, bool backup = false)
        {
            if (weight < 1 || weight > BackendDefinition.MaxWeight)
            {
                throw new ArgumentOutOfRangeException(nameof(weight), weight, $"Weight must be 1 to {BackendDefinition.MaxWeight}.");
            }
            _weight = weight;
            _backup = backup;
            if (maxConnections < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(maxConnections), maxConnections, "MaxConnections must be 0 (no limit) or more.");
            }
            Address = address;
            _maxConnections = maxConnections;
            IPAddress[] addresses = Endpoints.ResolveHost(address.Host);
            _endPoints = Array.ConvertAll(addresses, a => new IPEndPoint(a, address.Port));
            AddressHash = SourceHashScheduler.HashOf(address.ToString());
        }

        public BackendAddress Address { get; }

        /// <summary>Up, Down, Draining, Disabled or Removed.</summary>
        public BackendState State => _state;

        /// <summary>Whether health checks (and connects) currently find it working.</summary>
        public bool Healthy => _healthy;

        /// <summary>Open connections allowed at once; 0 means no limit.</summary>
        public int MaxConnections => _maxConnections;

        /// <summary>Its share of new connections relative to the others, for the algorithms that use weights.</summary>
        public int Weight => _weight;

        /// <summary>Used only while no primary backend is available.</summary>
        public bool IsBackup => _backup;

        /// <summary>The PROXY protocol header this backend gets first on each connection; null: the balancer's SendProxyProtocol.</summary>
        public Net.ProxyProtocolVersion? SendProxyProtocol { get; internal set; }

        /// <summary>Connections to this backend now open.</summary>
        public int ActiveConnections => Volatile.Read(ref _active);

        /// <summary>
        /// Client connections this backend served since it joined the balancer: counted at the
        /// backend's first byte, or when a connection it never answered ends there (not when it
        /// fails before its first byte or is moved to another backend), so the balancer's Served
        /// is the sum of its backends' counts.
        /// </summary>
        public long TotalConnections => Volatile.Read(ref _total);

        /// <summary>
        /// Connection attempts to this backend that failed, and connections it reset (within the
        /// client's first 64 KiB) or left unanswered past the response timeout, before its first
        /// byte. A clean close and silence are not failures.
        /// </summary>
        public long Failures => Volatile.Read(ref _failures);

        /// <summary>
        /// Connections this backend ended before its first byte in a way the balancer's RetryOn
        /// names, whose bytes were replayed to another backend.
        /// </summary>
        public long Redispatched => Volatile.Read(ref _redispatched);

        /// <summary>Connections to this backend that one or more of the balancer's toxics applied to.</summary>
        public long ToxicConnections => Volatile.Read(ref _toxicConnections);

        /// <summary>Bytes read from clients and sent to this backend.</summary>
        public TrafficCounter BytesToBackend { get; } = new TrafficCounter();

        /// <summary>Bytes read from this backend and sent to clients.</summary>
        public TrafficCounter BytesFromBackend { get; } = new TrafficCounter();

        /// <summary>The last health check's outcome, when one has run.</summary>
        public bool? LastCheckSucceeded { get; private set; }

        /// <summary>When the last health check finished.</summary>
        public DateTimeOffset? LastCheckTime { get; private set; }

        /// <summary>What the last failed check or connect saw.</summary>
        public string? LastError { get; private set; }

        /// <summary>Raised after the state changed (outside any lock).</summary>
        internal event EventHandler<BackendStateChangedEventArgs>? StateChanged;

        /// <summary>Where the balancer records its outgoing sockets to recognise a loop back into itself.</summary>
        internal OutgoingConnections? Outgoing { get; set; }

        /// <summary>The endpoints to try, starting with the one that last worked.</summary>
        internal IPEndPoint[] EndPoints => _endPoints;

        /// <summary>
        /// The loop transport's form of <see cref="EndPoints"/>: the <paramref name="offset"/>th address
        /// after the preferred one, written once as a sockaddr (so a connect allocates nothing).
        /// </summary>
        internal Net.EventLoop.NativeEndPoint NativeEndPoint(int offset)
        {
            IPEndPoint[] endPoints = _endPoints;
            Net.EventLoop.NativeEndPoint?[] natives = _natives;
            if (natives.Length != endPoints.Length)
            {
                _natives = natives = new Net.EventLoop.NativeEndPoint?[endPoints.Length];
            }
            int index = (PreferredIndex + offset) % endPoints.Length;
            Net.EventLoop.NativeEndPoint? native = natives[index];
            if (native == null || !ReferenceEquals(native.EndPoint, endPoints[index]))
            {
                natives[index] = native = new Net.EventLoop.NativeEndPoint(endPoints[index]);
            }
            return native;
        }

        /// <summary>The loop transport connected through the <paramref name="offset"/>th address after the preferred one: it is preferred from now on.</summary>
        internal void PreferAddress(int offset)
        {
            if (offset != 0)
            {
                PreferredIndex = (PreferredIndex + offset) % _endPoints.Length;
            }
        }

        private volatile Net.EventLoop.NativeEndPoint?[] _natives = new Net.EventLoop.NativeEndPoint?[0];

        internal int PreferredIndex
        {
            get => Volatile.Read(ref _preferred);
            set => Volatile.Write(ref _preferred, value);
        }

        /// <summary>Up and below its connection limit.</summary>
        internal bool IsAvailable => _state == BackendState.Up && (MaxConnections == 0 || Volatile.Read(ref _active) < MaxConnections);

        /// <summary>Up, whatever its connection count.</summary>
        internal bool IsUp => _state == BackendState.Up;

        /// <summary>Changes the weight for new connections.</summary>
        internal void SetWeight(int weight)
        {
            if (weight < 1 || weight > BackendDefinition.MaxWeight)
            {
                throw new ArgumentOutOfRangeException(nameof(weight), weight, $"Backend {Address}: weight {weight} is out of range. Use 1 to {BackendDefinition.MaxWeight}.");
            }
            _weight = weight;
            Interlocked.Increment(ref s_weightVersion);
        }

        /// <summary>Changes on every weight change of any backend: schedulers that precompute from weights rebuild when it moves.</summary>
        internal static int WeightVersion => Volatile.Read(ref s_weightVersion);

        /// <summary>A stable hash of the address, for consistent hashing.</summary>
        internal ulong AddressHash { get; }

        /// <summary>How long (in <see cref="Stopwatch"/> ticks) a backend back Up ramps to its full weight; 0: no slow start.</summary>
        internal long SlowStartTicks { get; set; }

        /// <summary>Whether it is ramping up after coming back Up (slow start).</summary>
        public bool SlowStarting => SlowStartFactor() < 1;

        /// <summary>
        /// The share of its weight a backend gets now: 1, or while it ramps up after coming back
        /// Up, the time since its return over the slow start, from 5 % up.
        /// </summary>
        internal double SlowStartFactor()
        {
            long start = Volatile.Read(ref _rampStart);
            if (start == 0)
            {
                return 1;
            }
            double factor = (double)(Stopwatch.GetTimestamp() - start) / SlowStartTicks;
            if (factor >= 1)
            {
                Interlocked.CompareExchange(ref _rampStart, 0, start);
                return 1;
            }
            return Math.Max(factor, MinimumSlowStartFactor);
        }

        internal const double MinimumSlowStartFactor = 0.05;

        /// <summary>The weight with slow start applied, for the algorithms that weigh candidates.</summary>
        internal double EffectiveWeight => _weight * SlowStartFactor();

        /// <summary>
        /// Changes the connection limit for new connections (open ones stay, also above a lowered
        /// limit); a reload changes a backend in place, so it keeps its place, counters and state.
        /// </summary>
        internal void SetMaxConnections(int maxConnections)
        {
            if (maxConnections < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(maxConnections), maxConnections, $"Backend {Address}: max_connections {maxConnections} is out of range. Use 0 (no limit) or more.");
            }
            _maxConnections = maxConnections;
        }

        /// <summary>Makes it a backup (used only while no primary is available) or a primary, for new connections.</summary>
        internal void SetBackup(bool backup) => _backup = backup;

        /// <summary>Takes a connection slot; false when the backend is full (another connection took the last slot).</summary>
        internal bool TryReserve() => SlotCounter.TryTake(ref _active, _maxConnections);

        /// <summary>Gives back a slot taken by <see cref="TryReserve"/>.</summary>
        internal void Release() => Interlocked.Decrement(ref _active);

        /// <summary>A connect succeeded: the run of failed connects ends.</summary>
        internal void OnConnected() => Volatile.Write(ref _consecutiveConnectFailures, 0);

        /// <summary>A client connection is this backend's for good (counted once, in <see cref="TotalConnections"/>).</summary>
        internal void OnServing() => Interlocked.Increment(ref _total);

        /// <summary>Counts a failed connect; after <paramref name="downAfter"/> in a row (0: never) the backend goes Down. <paramref name="what"/>, when given, becomes <see cref="LastError"/>.</summary>
        internal void OnConnectFailed(int downAfter, string? what = null)
        {
            Interlocked.Increment(ref _failures);
            if (what != null)
            {
                LastError = what;
            }
            int inARow = Interlocked.Increment(ref _consecutiveConnectFailures);
            if (downAfter > 0 && inARow >= downAfter)
            {
                SetHealth(false, $"{inARow} connection attempts in a row failed");
            }
        }

        /// <summary>The backend sent the first byte of a connection: it answers, so its run of unanswered connections ends.</summary>
        internal void OnResponded()
        {
            // Read first: a write on every connection would bounce the cache line between cores.
            if (Volatile.Read(ref _consecutiveUnanswered) != 0)
            {
                Volatile.Write(ref _consecutiveUnanswered, 0);
            }
        }

        /// <summary>
        /// Counts a connection the backend reset or left unanswered before its first byte;
        /// after <paramref name="downAfter"/> in a row (0: never) the backend goes Down. The run
        /// ends only with an answer, so a backend that comes back Up and fails its first
        /// connection again goes Down at once.
        /// </summary>
        internal void OnUnanswered(int downAfter, string what)
        {
            Interlocked.Increment(ref _failures);
            LastError = what;
            int inARow = Interlocked.Increment(ref _consecutiveUnanswered);
            if (downAfter > 0 && inARow >= downAfter)
            {
                SetHealth(false, $"{inARow} connections in a row failed before the backend's first byte; the last: {what}");
            }
        }

        internal void OnRedispatched() => Interlocked.Increment(ref _redispatched);

        internal void OnToxicApplied() => Interlocked.Increment(ref _toxicConnections);

        /// <summary>Records a health check; rise successes in a row bring it Up, fall failures take it Down.</summary>
        internal void OnCheck(bool success, string? error, int rise, int fall)
        {
            LastCheckSucceeded = success;
            LastCheckTime = DateTimeOffset.Now;
            if (!success)
            {
                LastError = error;
            }
            bool changeTo;
            string reason;
            lock (_stateLock)
            {
                if (success)
                {
                    _checkFailures = 0;
                    _checkSuccesses++;
                    changeTo = true;
                    reason = $"{_checkSuccesses} health check(s) in a row succeeded";
                    if (_healthy || _checkSuccesses < rise)
                    {
                        return;
                    }
                }
                else
                {
                    _checkSuccesses = 0;
                    _checkFailures++;
                    changeTo = false;
                    reason = $"{_checkFailures} health check(s) in a row failed: {error}";
                    if (!_healthy || _checkFailures < fall)
                    {
                        return;
                    }
                }
            }
            SetHealth(changeTo, reason);
        }

        /// <summary>Operator states: Up (enable), Draining, Disabled, Removed.</summary>
        internal void SetAdminState(BackendState state, string reason)
        {
            lock (_stateLock)
            {
                _adminState = state;
            }
            Publish(reason);
        }

        public override string ToString() => Address.ToString();

        private void SetHealth(bool healthy, string reason)
        {
            lock (_stateLock)
            {
                if (_healthy == healthy)
                {
                    return;
                }
                _healthy = healthy;
                _checkSuccesses = 0;
                _checkFailures = 0;
                if (!healthy)
                {
                    LastError ??= reason;
                }
            }
            Publish(reason);
        }

        private void Publish(string reason)
        {
            BackendState previous;
            BackendState current;
            lock (_stateLock)
            {
                previous = _state;
                current = _adminState != BackendState.Up ? _adminState : (_healthy ? BackendState.Up : BackendState.Down);
                _state = current;
                if (current == BackendState.Up && previous != BackendState.Up && SlowStartTicks > 0)
                {
                    Volatile.Write(ref _rampStart, Math.Max(1, Stopwatch.GetTimestamp()));
                }
            }
            if (previous != current)
            {
                StateChanged?.Invoke(this, new BackendStateChangedEventArgs(this, previous, current, reason));
            }
        }
    }
}
