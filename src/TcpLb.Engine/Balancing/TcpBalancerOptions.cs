using System;
using System.Collections.Generic;
using System.Net;
using TcpLb.Engine.Tls;

namespace TcpLb.Engine.Balancing
{
    /// <summary>Everything a balancer needs to start.</summary>
    public sealed class TcpBalancerOptions
    {
        public const int DefaultPort = 8080;

        /// <summary>Listen address; loopback unless a caller says otherwise.</summary>
        public IPAddress ListenAddress { get; set; } = IPAddress.Loopback;

        /// <summary>Listen port; 0 picks a free one.</summary>
        public int Port { get; set; } = DefaultPort;

        /// <summary>The pool, in order: each backend's address, weight, backup flag and connection limit.</summary>
        public IList<BackendDefinition> Backends { get; private set; } = new List<BackendDefinition>();

        /// <summary>How a backend is picked for each new connection.</summary>
        public BalancingAlgorithm Algorithm { get; set; } = BalancingAlgorithm.RoundRobin;

        /// <summary>
        /// After a backend comes back Up, its weight ramps from a small share to its full weight over
        /// this long, so a cold backend is not flooded at once; zero (the default) gives it its full
        /// weight at once.
        /// </summary>
        public TimeSpan SlowStart { get; set; } = TimeSpan.Zero;

        /// <summary>
        /// How the balancer moves bytes (not reloaded): <see cref="BalancerTransport.Auto"/> (the
        /// default: the engine's own event loops on Linux, the stream path elsewhere), the loops, or
        /// .NET's sockets; TLS always takes the stream path. The environment variable TCPLB_TRANSPORT
        /// (loop or stream) overrides it; <see cref="TcpBalancer.Transport"/> says which one runs.
        /// </summary>
        public BalancerTransport Transport { get; set; } = BalancerTransport.Auto;

        /// <summary>How long to wait for a backend to accept a connection.</summary>
        public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

        /// <summary>
        /// Further backends to try when a connect fails (refused or timed out), each a new
        /// pick that skips the backends already tried for this connection.
        /// </summary>
        public int Retries { get; set; } = 3;

        /// <summary>
        /// Failed connects in a row that take a backend Down until health checks bring it back;
        /// 0 never marks it Down on connects alone. Only used while active checks are on.
        /// </summary>
        public int ConnectFailuresBeforeDown { get; set; } = 3;

        public HealthCheckOptions HealthCheck { get; private set; } = new HealthCheckOptions();

        /// <summary>
        /// When a connection is tried again on another backend; see <see cref="RetryConditions"/>.
        /// The default, <see cref="DefaultRetryOn"/>, can never deliver a byte twice in the common
        /// case: failed connects, and resets before the backend's first byte (replayed). Add
        /// EmptyResponse or ResponseTimeout only for requests that are safe to repeat.
        /// </summary>
        public RetryConditions RetryOn { get; set; } = DefaultRetryOn;

        /// <summary>The default <see cref="RetryOn"/>: ConnectFailure and Reset.</summary>
        public const RetryConditions DefaultRetryOn = RetryConditions.ConnectFailure | RetryConditions.Reset;

        /// <summary>The conditions that replay the client's bytes to another backend (all but ConnectFailure).</summary>
        public const RetryConditions ReplayConditions = RetryConditions.Reset | RetryConditions.EmptyResponse | RetryConditions.ResponseTimeout;

        /// <summary>
        /// Whether any <see cref="RetryOn"/> condition replays the client's bytes to another backend.
        /// Setting it false keeps only ConnectFailure (the cmdlets' -NoReplay); setting it true
        /// when nothing replays adds Reset.
        /// </summary>
        public bool Replay
        {
            get => (RetryOn & ReplayConditions) != 0;
            set
            {
                if (!value)
                {
                    RetryOn &= ~ReplayConditions;
                }
                else if (!Replay)
                {
                    RetryOn |= RetryConditions.Reset;
                }
            }
        }

        /// <summary>
        /// How long the client's bytes may wait for the backend's first byte, counted from the
        /// client's last byte (so an upload that keeps sending is not cut, and a client that has
        /// sent nothing is never timed out). Past it, the connection counts as a failure of the
        /// backend (<see cref="HealthCheckOptions.Fall"/> in a row take it Down) and is reset, or
        /// replayed when <see cref="RetryOn"/> has ResponseTimeout. Zero (the default) turns it
        /// off: a backend that stays silent is never a failure.
        /// </summary>
        public TimeSpan ResponseTimeout { get; set; } = DefaultResponseTimeout;

        /// <summary>The default <see cref="ResponseTimeout"/>: zero, off.</summary>
        public static readonly TimeSpan DefaultResponseTimeout = TimeSpan.Zero;

        /// <summary>A connection with no bytes either way for this long is closed.</summary>
        public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromHours(1);

        /// <summary>Open client connections allowed at once; 0 means no limit.</summary>
        public int MaxConnections { get; set; }

        /// <summary>Open connections allowed per backend; 0 means no limit.</summary>
        public int BackendMaxConnections { get; set; }

        /// <summary>Connections that may wait for a slot when a limit is reached; beyond it they are refused.</summary>
        public int QueueLength { get; set; } = 256;

        /// <summary>How long a connection waits for a slot before it is refused.</summary>
        public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(5);

        /// <summary>
        /// Once one side has sent FIN, how long the other direction may go without a byte before
        /// both sides are closed (inactivity, like HAProxy's timeout client-fin and server-fin):
        /// a half-closed stream that keeps flowing is never cut.
        /// </summary>
        public TimeSpan FinTimeout { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>TLS on the listener (clients connect with TLS, the balancer terminates it); null (the default): plain TCP.</summary>
        public ListenerTlsOptions? Tls { get; set; }

        /// <summary>TLS from the balancer to every backend, certificates checked unless told not to; null (the default): plain TCP.</summary>
        public BackendTlsOptions? BackendTls { get; set; }

        /// <summary>
        /// Sources that may connect: addresses and CIDR ranges, IPv4 or IPv6. Empty: every source
        /// not denied. Checked at accept, before any backend is touched; see <see cref="Access.AccessRules"/>.
        /// </summary>
        public IList<string> AllowFrom { get; private set; } = new List<string>();

        /// <summary>Sources that are reset at accept; deny wins over allow.</summary>
        public IList<string> DenyFrom { get; private set; } = new List<string>();

        /// <summary>Open connections allowed per client address; beyond it a new one is reset at once. 0: no limit.</summary>
        public int MaxConnectionsPerSource { get; set; }

        /// <summary>New connections allowed per client address (a token bucket); the default value: no limit.</summary>
        public Access.ConnectionRate ConnectionRatePerSource { get; set; }

        /// <summary>Client addresses the per-source limits remember at most (least recently seen idle ones are forgotten first).</summary>
        public int SourceTableCapacity { get; set; } = Access.SourceTable.DefaultCapacity;

        /// <summary>
        /// Each client connection must start with a PROXY protocol header (v1 or v2, told apart by
        /// their first bytes), as a proxy in front sends it; the address it carries is the client's
        /// for access rules, per-source limits and a PROXY header sent on. A missing, malformed or
        /// late header gets a reset, counted in <see cref="BalancerStatistics.BadProxyHeaders"/>.
        /// </summary>
        public bool AcceptProxyProtocol { get; set; }

        /// <summary>How long a client may take to send its whole PROXY header (with <see cref="AcceptProxyProtocol"/>).</summary>
        public TimeSpan ProxyHeaderTimeout { get; set; } = TimeSpan.FromSeconds(5);

        /// <summary>
        /// Sends a PROXY protocol header of this version first on every backend connection, so the
        /// backend sees the client's address and the address it connected to; None sends nothing.
        /// </summary>
        public Net.ProxyProtocolVersion SendProxyProtocol { get; set; }

        /// <summary>
        /// Toxics in force from the first connection on (see <see cref="TcpBalancer.AddToxic"/>):
        /// starting with them is atomic, no connection passes before they apply.
        /// </summary>
        public IList<BalancerToxic> Toxics { get; private set; } = new List<BalancerToxic>();

        /// <summary>A copy whose changes do not reach this one (health checks and the pool are copied too).</summary>
        public TcpBalancerOptions Copy()
        {
            var copy = (TcpBalancerOptions)MemberwiseClone();
            copy.Backends = new List<BackendDefinition>(Backends);
            copy.HealthCheck = HealthCheck.Copy();
            copy.AllowFrom = new List<string>(AllowFrom);
            copy.DenyFrom = new List<string>(DenyFrom);
            copy.Toxics = new List<BalancerToxic>(Toxics);
            return copy;
        }

        /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting and what is accepted.</summary>
        public void Validate()
        {
            if (ListenAddress == null)
            {
                throw new ArgumentException("ListenAddress is not set. Use an IP address such as 127.0.0.1 or ::1.");
            }
            if (Port < 0 || Port > 65535)
            {
                throw new ArgumentOutOfRangeException(nameof(Port), Port, $"Port {Port} is out of range. Use 1 to 65535, or 0 to let the system pick a free port.");
            }
            if (Backends.Count == 0)
            {
                throw new ArgumentException($"No backends were given. Give at least one: {BackendAddress.AcceptedForms}.");
            }
            var distinct = new HashSet<BackendAddress>();
            foreach (BackendDefinition backend in Backends)
            {
                if (backend == null)
                {
                    throw new ArgumentException("A backend is null.");
                }
                if (!distinct.Add(backend.Address))
                {
                    throw new ArgumentException($"Backend {backend.Address} is given more than once. Give each backend once.");
                }
            }
            if (!Enum.IsDefined(typeof(BalancerTransport), Transport))
            {
                throw new ArgumentOutOfRangeException(nameof(Transport), Transport, $"Unknown transport. Use one of: {string.Join(", ", Enum.GetNames(typeof(BalancerTransport)))}.");
            }
            if (!Enum.IsDefined(typeof(BalancingAlgorithm), Algorithm))
            {
                throw new ArgumentOutOfRangeException(nameof(Algorithm), Algorithm, $"Unknown algorithm. Use one of: {string.Join(", ", Enum.GetNames(typeof(BalancingAlgorithm)))}.");
            }
            if (SlowStart < TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(SlowStart), SlowStart, "SlowStart must be zero (off) or more.");
            }
            if (ConnectTimeout <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), ConnectTimeout, "ConnectTimeout must be greater than zero.");
            }
            if (Retries < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(Retries), Retries, "Retries must be 0 or more.");
            }
            if (ConnectFailuresBeforeDown < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(ConnectFailuresBeforeDown), ConnectFailuresBeforeDown, "ConnectFailuresBeforeDown must be 0 (never) or more.");
            }
            if (IdleTimeout <= TimeSpan.Zero && IdleTimeout != System.Threading.Timeout.InfiniteTimeSpan)
            {
                throw new ArgumentOutOfRangeException(nameof(IdleTimeout), IdleTimeout, "IdleTimeout must be greater than zero, or infinite.");
            }
            if (MaxConnections < 0 || BackendMaxConnections < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(MaxConnections), "Connection limits must be 0 (no limit) or more.");
            }
            if (QueueLength < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(QueueLength), QueueLength, "QueueLength must be 0 or more.");
            }
            if (QueueTimeout < TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(QueueTimeout), QueueTimeout, "QueueTimeout must be 0 or more.");
            }
            if ((RetryOn & ~(RetryConditions.ConnectFailure | ReplayConditions)) != 0)
            {
                throw new ArgumentOutOfRangeException(nameof(RetryOn), RetryOn, $"Unknown retry condition. Use None or any of: {string.Join(", ", Enum.GetNames(typeof(RetryConditions)), 1, 4)}.");
            }
            if (ResponseTimeout < TimeSpan.Zero || ResponseTimeout.TotalMilliseconds > int.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(ResponseTimeout), ResponseTimeout, "ResponseTimeout must be zero (off) or more, up to 24 days.");
            }
            HealthCheck.Validate();
            Tls?.Validate();
            BackendTls?.Validate();
            ValidateAccess();
            if (FinTimeout <= TimeSpan.Zero && FinTimeout != System.Threading.Timeout.InfiniteTimeSpan)
            {
                throw new ArgumentOutOfRangeException(nameof(FinTimeout), FinTimeout, "FinTimeout must be greater than zero, or infinite.");
            }
        }

        private void ValidateAccess()
        {
            try
            {
                Access.AccessRules.Create(AllowFrom, DenyFrom);
            }
            catch (FormatException e)
            {
                throw new ArgumentException(e.Message, e);
            }
            if (MaxConnectionsPerSource < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(MaxConnectionsPerSource), MaxConnectionsPerSource, "MaxConnectionsPerSource must be 0 (no limit) or more.");
            }
            if (ProxyHeaderTimeout <= TimeSpan.Zero || ProxyHeaderTimeout.TotalMilliseconds > int.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(ProxyHeaderTimeout), ProxyHeaderTimeout, "ProxyHeaderTimeout must be greater than zero, up to 24 days.");
            }
            if (!Enum.IsDefined(typeof(Net.ProxyProtocolVersion), SendProxyProtocol))
            {
                throw new ArgumentOutOfRangeException(nameof(SendProxyProtocol), SendProxyProtocol, "SendProxyProtocol must be None, V1 or V2.");
            }
            if (SourceTableCapacity < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(SourceTableCapacity), SourceTableCapacity, "SourceTableCapacity must be 1 or more.");
            }
        }
    }
}
