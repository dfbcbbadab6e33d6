using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Net;
using TcpLb.Configuration;
using TcpLb.Engine.Access;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Net;
using TcpLbModule.Configuration;
using TcpLbModule.Detached;
using TcpLbModule.Completion;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// Start-TcpBalancer: a TCP balancer (round robin unless -Algorithm says otherwise) as a job;
    /// or, with -ConfigurationPath, one job per server of a configuration file, with the parameters
    /// given on the command line overriding the file.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Start, "TcpBalancer", DefaultParameterSetName = ByBackend, HelpUri = HelpLinks.Docs + "Start-TcpBalancer.md")]
    [OutputType(typeof(TcpBalancerJob), typeof(DetachedTcpServer))]
    public sealed class StartTcpBalancerCommand : PSCmdlet, IDisposable
    {
        private const string ByBackend = "Backend";
        private const string ByConfigurationFile = "ConfigurationFile";

        private readonly List<BackendDefinition> _backends = new List<BackendDefinition>();
        private readonly DetachedStartBatch _detached = new DetachedStartBatch();
        private IPAddress _listenAddress = IPAddress.Loopback;
        private List<BalancerToxic> _toxicList = new List<BalancerToxic>();
        private TcpLb.Engine.Tls.ListenerTlsOptions? _tls;
        private TcpLb.Engine.Tls.BackendTlsOptions? _backendTls;
        private AccessRules _access = AccessRules.None;
        private ConnectionRate _ratePerSource;

        /// <summary>Listen port; 0 picks a free port.</summary>
        [Parameter(Position = 0)]
        [ValidateRange(0, 65535)]
        [ArgumentCompleter(typeof(ListenPortCompleter))]
        public int Port { get; set; } = TcpBalancerOptions.DefaultPort;

        /// <summary>Ports, host:port, [v6]:port, TcpBackend jobs, "address;weight=N;backup" or hashtables; with -ConfigurationPath they replace the file's pool.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ByBackend)]
        [Parameter(ValueFromPipeline = true, ParameterSetName = ByConfigurationFile)]
        [AllowEmptyCollection]
        [AllowNull]
        [ArgumentCompleter(typeof(BackendJobCompleter))]
        public object?[]? Backend { get; set; }

        /// <summary>A .psd1, .json or .toml file: one balancer per server it defines.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ByConfigurationFile)]
        [ValidateNotNullOrEmpty]
        public string? ConfigurationPath { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string ListenAddress { get; set; } = "127.0.0.1";

        /// <summary>How each new connection picks its backend.</summary>
        [Parameter]
        [Algorithm]
        public BalancingAlgorithm Algorithm { get; set; }

        /// <summary>Milliseconds over which a backend that comes back Up ramps to its full weight; 0: at once.</summary>
        [Parameter]
        [ValidateSetting(nameof(SlowStart))]
        [Duration]
        public int SlowStart { get; set; }

        /// <summary>Milliseconds to wait for a backend to accept a connection.</summary>
        [Parameter]
        [ValidateSetting(nameof(ConnectTimeout))]
        [Duration]
        public int ConnectTimeout { get; set; }

        /// <summary>Further backends to try when a connect fails.</summary>
        [Parameter]
        [ValidateSetting(nameof(Retries))]
        public int Retries { get; set; }

        /// <summary>Milliseconds between active health checks of each backend; 0 turns them off.</summary>
        [Parameter]
        [ValidateSetting(nameof(HealthCheckInterval))]
        [Duration]
        public int HealthCheckInterval { get; set; }

        /// <summary>Milliseconds one health check may take.</summary>
        [Parameter]
        [ValidateSetting(nameof(HealthCheckTimeout))]
        [Duration]
        public int HealthCheckTimeout { get; set; }

        /// <summary>Successful checks in a row that bring a Down backend back Up.</summary>
        [Parameter]
        [ValidateSetting(nameof(Rise))]
        public int Rise { get; set; }

        /// <summary>Failed checks in a row that take an Up backend Down.</summary>
        [Parameter]
        [ValidateSetting(nameof(Fall))]
        public int Fall { get; set; }

        /// <summary>Text a health check sends after connecting.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? HealthCheckSend { get; set; }

        /// <summary>Text the reply to a health check must start with.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? HealthCheckExpect { get; set; }

        /// <summary>Failed connects in a row that take a backend Down (while health checks run); 0: never.</summary>
        [Parameter]
        [ValidateSetting(nameof(ConnectFailureLimit))]
        public int ConnectFailureLimit { get; set; }

        /// <summary>
        /// Milliseconds the client's bytes may wait for the backend's first byte before the
        /// connection counts as a failure of the backend and is redispatched or reset; 0: off.
        /// </summary>
        [Parameter]
        [ValidateSetting(nameof(ResponseTimeout))]
        [Duration]
        public int ResponseTimeout { get; set; }

        /// <summary>Never replay a connection's bytes to another backend (for protocols where a request must not be sent twice): -RetryOn keeps only ConnectFailure.</summary>
        [Parameter]
        public SwitchParameter NoReplay { get; set; }

        /// <summary>When a connection is tried on another backend: ConnectFailure, Reset (the default: both), EmptyResponse, ResponseTimeout, or None.</summary>
        [Parameter]
        public RetryConditions RetryOn { get; set; }

        /// <summary>Milliseconds with no bytes either way before a connection is closed; 0: never.</summary>
        [Parameter]
        [ValidateSetting(nameof(IdleTimeout))]
        [Duration]
        public int IdleTimeout { get; set; }

        /// <summary>Milliseconds a half-closed connection may go without a byte before both sides are closed; 0: never.</summary>
        [Parameter]
        [ValidateSetting(nameof(FinTimeout))]
        [Duration]
        public int FinTimeout { get; set; }

        /// <summary>Client connections open at once; 0: no limit.</summary>
        [Parameter]
        [ValidateSetting(nameof(MaxConnections))]
        public int MaxConnections { get; set; }

        /// <summary>Connections open at once to each backend; 0: no limit.</summary>
        [Parameter]
        [ValidateSetting(nameof(BackendMaxConnections))]
        public int BackendMaxConnections { get; set; }

        /// <summary>Connections that may wait for a slot once a limit is reached.</summary>
        [Parameter]
        [ValidateSetting(nameof(QueueLength))]
        public int QueueLength { get; set; }

        /// <summary>Milliseconds a connection may wait for a slot before it is refused.</summary>
        [Parameter]
        [ValidateSetting(nameof(QueueTimeout))]
        [Duration]
        public int QueueTimeout { get; set; }

        /// <summary>Sources that may connect: addresses and CIDR ranges, IPv4 or IPv6; others are reset at accept.</summary>
        [Parameter]
        [ValidateNotNull]
        public string[]? AllowFrom { get; set; }

        /// <summary>Sources that are reset at accept; deny wins over allow.</summary>
        [Parameter]
        [ValidateNotNull]
        public string[]? DenyFrom { get; set; }

        /// <summary>Connections open at once from one client address; beyond it new ones are reset. 0: no limit.</summary>
        [Parameter]
        [ValidateSetting(nameof(MaxConnectionsPerSource))]
        public int MaxConnectionsPerSource { get; set; }

        /// <summary>New connections per client address, as 100/s or 600/m (a token bucket).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ConnectionRatePerSource { get; set; }

        /// <summary>Clients must start with a PROXY protocol header (v1 or v2): for a balancer behind another proxy.</summary>
        [Parameter]
        public SwitchParameter AcceptProxyProtocol { get; set; }

        /// <summary>Milliseconds a client may take to send its whole PROXY header (with -AcceptProxyProtocol).</summary>
        [Parameter]
        [ValidateSetting(nameof(ProxyHeaderTimeout))]
        [Duration]
        public int ProxyHeaderTimeout { get; set; }

        /// <summary>Send a PROXY protocol header of this version first on every backend connection.</summary>
        [Parameter]
        public ProxyProtocolVersion SendProxyProtocol { get; set; }

        /// <summary>How the balancer moves bytes: Auto (the engine's own event loops on Linux), Loop or Stream; TLS always takes the stream path.</summary>
        [Parameter]
        public BalancerTransport Transport { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        [ValidateServerName]
        [ArgumentCompleter(typeof(NewNameCompleter))]
        public string? Name { get; set; }

        /// <summary>Toxics in force from the first connection on: hashtables with Type and the toxic's settings (see Add-TcpBalancerToxic).</summary>
        [Parameter]
        [ValidateNotNull]
        public System.Collections.Hashtable[]? Toxic { get; set; }

        /// <summary>The balancer in a background process of its own that outlives this session (see Get-TcpBalancer).</summary>
        [Parameter]
        public SwitchParameter Detached { get; set; }

        /// <summary>Terminate TLS on the listener with this certificate: a PFX file, or a PEM certificate (key in it or in -CertificateKeyPath).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Certificate { get; set; }

        /// <summary>The password of the -Certificate PFX file.</summary>
        [Parameter]
        public System.Security.SecureString? CertificatePassword { get; set; }

        /// <summary>The PEM private key of a PEM -Certificate, when it is in a file of its own.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? CertificateKeyPath { get; set; }

        /// <summary>Terminate TLS on the listener with a throwaway self-signed certificate for localhost (tests).</summary>
        [Parameter]
        public SwitchParameter SelfSignedCertificate { get; set; }

        /// <summary>Connect to the backends with TLS (their certificates are checked unless -SkipBackendCertificateCheck).</summary>
        [Parameter]
        public SwitchParameter BackendTls { get; set; }

        /// <summary>The name sent to the backends as SNI and checked against their certificates; default: each backend's host.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? BackendTlsServerName { get; set; }

        /// <summary>Accept any certificate from the backends (self-signed, expired, another name).</summary>
        [Parameter]
        public SwitchParameter SkipBackendCertificateCheck { get; set; }

        /// <summary>A PEM or DER file of certificates to trust for the backends besides the system's (a CA, or a backend's self-signed certificate).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? BackendTrustedCertificate { get; set; }

        protected override void BeginProcessing()
        {
            _listenAddress = ListenAddressArgument.Resolve(this, ListenAddress);
            _access = AccessArgument.Rules(this, AllowFrom, DenyFrom);
            _ratePerSource = AccessArgument.Rate(this, ConnectionRatePerSource);
        }

        protected override void ProcessRecord()
        {
            if (Backend == null)
            {
                return;
            }
            _backends.AddRange(BackendArgument.ConvertAllDefinitions(this, Backend, jobMustBeRunning: true));
        }

        protected override void EndProcessing()
        {
            IReadOnlyList<BalancerDefinition>? servers = ConfigurationPath == null ? null : ReadConfiguration();
            if (servers == null && _backends.Count == 0)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException($"-Backend: no backends were given. Give at least one: {BackendAddress.AcceptedForms}, or a job from Start-TcpBackend."),
                    "NoBackends",
                    ErrorCategory.InvalidArgument,
                    Backend));
            }
            BackendArgument.EnsureDistinct(this, _backends.ConvertAll(b => b.Address));
            EnsureHealthCheckParametersApply(MyInvocation.BoundParameters.ContainsKey(nameof(HealthCheckInterval)) && HealthCheckInterval == 0, "-HealthCheckInterval 0", "give -HealthCheckInterval a number of milliseconds greater than 0");

            _toxicList = ParseToxics();
            if (!Detached)
            {
                // Loaded here, once, before anything starts; a detached balancer loads them in its own process.
                _tls = TlsArgument.Listener(this, Certificate, CertificatePassword, CertificateKeyPath, SelfSignedCertificate);
                _backendTls = TlsArgument.Backend(this, BackendTls, BackendTlsServerName, SkipBackendCertificateCheck, BackendTrustedCertificate);
            }
            var planned = new List<BalancerDefinition>();
            if (servers == null)
            {
                planned.Add(new BalancerDefinition(Name, Mapping().ApplyTo(new TcpBalancerOptions())));
            }
            else
            {
                EnsureParametersFitServers(servers);
                for (int i = 0; i < servers.Count; i++)
                {
                    TcpBalancerOptions options = Mapping().ApplyTo(servers[i].Options.Copy());
                    if (options.Backends.Count == 0)
                    {
                        ThrowTerminatingError(new ErrorRecord(
                            new ArgumentException($"{ConfigurationPath}: {ServerLabel(i, servers[i].Name)} has no backends. Give them in its forward table (backends = [ ... ]) or with -Backend."),
                            "NoBackends",
                            ErrorCategory.InvalidArgument,
                            ConfigurationPath));
                    }
                    EnsureHealthCheckParametersApply(options.HealthCheck.Interval == TimeSpan.Zero, $"{ServerLabel(i, servers[i].Name)} of {ConfigurationPath}, whose health_check interval is 0", "give -HealthCheckInterval (or the file's interval) a number of milliseconds greater than 0");
                    planned.Add(new BalancerDefinition(Name ?? servers[i].Name, options));
                }
            }

            if (Detached)
            {
                StartDetached(planned);
                return;
            }
            StartAll(planned);
        }

        /// <summary>How this call's parameters go into the options (after the backends, toxics and TLS are read).</summary>
        private StartParameterMapping Mapping()
            => new StartParameterMapping(this, ConfigurationPath != null, _listenAddress, _access, _ratePerSource, _tls, _backendTls, _backends, _toxicList);

        private IReadOnlyList<BalancerDefinition> ReadConfiguration()
        {
            ConfigurationPath = GetUnresolvedProviderPathFromPSPath(ConfigurationPath);
            return ConfigurationFile.ReadOrFail(this, ConfigurationPath);
        }

        /// <summary>-Name and a fixed -Port name one balancer; with several servers in the file they would clash.</summary>
        private void EnsureParametersFitServers(IReadOnlyList<BalancerDefinition> servers)
        {
            if (servers.Count < 2)
            {
                return;
            }
            if (Name != null)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException($"-Name '{Name}' names one balancer, but {ConfigurationPath} defines {servers.Count} servers. Name each in the file (name = \"...\"), or leave -Name out."),
                    "NameWithSeveralServers",
                    ErrorCategory.InvalidArgument,
                    Name));
            }
            if (MyInvocation.BoundParameters.ContainsKey(nameof(Port)) && Port != 0)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException($"-Port {Port} is one port, but {ConfigurationPath} defines {servers.Count} servers. Give -Port 0 (each picks a free port) or set each server's listen in the file."),
                    "PortWithSeveralServers",
                    ErrorCategory.InvalidArgument,
                    Port));
            }
            if (Detached)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException($"-Detached runs one balancer per process, and {ConfigurationPath} defines {servers.Count} servers. Give each server a file of its own and start each with -Detached, or start them without -Detached."),
                    "DetachedWithSeveralServers",
                    ErrorCategory.InvalidArgument,
                    ConfigurationPath));
            }
        }

        /// <summary>Starts every planned balancer, or none: when one fails, those already listening are stopped and the error names the file and server.</summary>
        private void StartAll(IReadOnlyList<BalancerDefinition> planned)
        {
            foreach (BalancerDefinition definition in planned)
            {
                if (definition.Name != null)
                {
                    SessionJobNames.EnsureFree(this, definition.Name);
                }
                WriteVerbose(Narration.Starting(definition));
                if (Narration.Debugging(this))
                {
                    WriteDebug(Narration.Configuration(definition));
                }
            }
            var started = new List<TcpBalancer>();
            for (int i = 0; i < planned.Count; i++)
            {
                ErrorRecord? error = TryStart(planned[i].Options, out TcpBalancer? balancer);
                if (error != null)
                {
                    started.ForEach(b => b.Dispose());
                    ThrowTerminatingError(ConfigurationPath == null ? error : new ErrorRecord(
                        new InvalidOperationException($"{ConfigurationPath}: {ServerLabel(i, planned[i].Name)}: {error.Exception.Message}{(started.Count > 0 ? $" The {started.Count} balancer(s) started before it were stopped." : "")}", error.Exception),
                        error.FullyQualifiedErrorId,
                        error.CategoryInfo.Category,
                        error.TargetObject));
                }
                started.Add(balancer!);
            }
            for (int i = 0; i < started.Count; i++)
            {
                BindWarning.WriteIfExposed(this, started[i].LocalEndPoint, restricted: planned[i].Options.AllowFrom.Count > 0);
                var job = new TcpBalancerJob(MyInvocation.Line, planned[i].Name ?? "TcpBalancer:" + started[i].Port, started[i]);
                JobRepository.Add(job);
                WriteVerbose($"Balancer job '{job.Name}' (Id {job.Id}) is listening on {job.Location}; Receive-Job returns its events.");
                if (Narration.Debugging(this))
                {
                    job.TraceToDebug();
                    WriteDebug($"Balancer job '{job.Name}' writes the engine's events to its Debug stream: Receive-Job -Debug, or $job.Debug.");
                }
                WriteObject(job);
            }
        }

        /// <summary>Builds and starts one balancer; on failure nothing stays bound and the error record says why.</summary>
        private ErrorRecord? TryStart(TcpBalancerOptions options, out TcpBalancer? balancer)
        {
            balancer = null;
            TcpBalancer created;
            try
            {
                created = new TcpBalancer(options);
            }
            catch (ArgumentException e)
            {
                // A backend host that does not resolve.
                return new ErrorRecord(e, "InvalidBackend", ErrorCategory.InvalidArgument, Backend);
            }
            try
            {
                created.Start();
            }
            catch (ListenerBindException e)
            {
                return new ErrorRecord(e, e.IsAddressInUse ? "PortInUse" : "ListenFailed", ErrorCategory.ResourceUnavailable, options.Port);
            }
            catch (SelfLoopBackendException e)
            {
                // Checked against the bound port (the real one for -Port 0); nothing stays bound.
                return new ErrorRecord(e, "BackendIsBalancer", ErrorCategory.InvalidArgument, e.Backend.ToString());
            }
            catch (EnvironmentValueException e)
            {
                // TCPLB_TRANSPORT, TCPLB_LOOP_LAYOUT or TCPLB_LOOPS names nothing the engine knows; read before anything binds.
                return new ErrorRecord(e, "InvalidEnvironmentVariable", ErrorCategory.InvalidArgument, e.Value);
            }
            balancer = created;
            return null;
        }

        private static string ServerLabel(int index, string? name) => name == null ? $"server[{index}]" : $"server[{index}] ('{name}')";

        /// <summary>The same command, without -Detached, in a process of its own; the backends go in their text form ("address;weight=N;backup"), the configuration file as a full path.</summary>
        private void StartDetached(IReadOnlyList<BalancerDefinition> planned)
        {
            System.Collections.Hashtable parameters = DetachedServerClient.ForwardedParameters(this, new[] { nameof(Detached) }, askVerbose: false);
            if (_backends.Count > 0)
            {
                parameters[nameof(Backend)] = _backends.ConvertAll(b => b.ToString()).ToArray();
            }
            if (ConfigurationPath != null)
            {
                parameters[nameof(ConfigurationPath)] = ConfigurationPath;
            }
            if (Toxic != null)
            {
                parameters[nameof(Toxic)] = Array.ConvertAll(Toxic, ToxicArgument.Portable);
            }
            TlsArgument.ForDetached(this, parameters, Certificate, CertificatePassword, CertificateKeyPath, SelfSignedCertificate, BackendTrustedCertificate);
            BalancerDefinition balancer = planned[0];
            _detached.Begin(this, MyInvocation.MyCommand.Name, parameters, balancer.Name, "balancer on port " + balancer.Options.Port);
            _detached.WaitAll(this);
        }

        protected override void StopProcessing() => _detached.Stop();

        public void Dispose() => _detached.Dispose();

        /// <summary>-Toxic's hashtables, checked before anything starts (also for -Detached).</summary>
        private List<BalancerToxic> ParseToxics()
        {
            var toxics = new List<BalancerToxic>();
            foreach (System.Collections.Hashtable table in Toxic ?? new System.Collections.Hashtable[0])
            {
                try
                {
                    BalancerToxic toxic = ToxicArgument.FromHashtable(table, _backends.ConvertAll(b => b.Address));
                    if (toxics.Exists(t => string.Equals(t.Name, toxic.Name, StringComparison.OrdinalIgnoreCase)))
                    {
                        throw new ArgumentException($"-Toxic: two toxics are named '{toxic.Name}'. Give each a Name of its own.");
                    }
                    toxics.Add(toxic);
                }
                catch (ArgumentException e)
                {
                    ThrowTerminatingError(new ErrorRecord(e, "InvalidToxic", ErrorCategory.InvalidArgument, table));
                }
            }
            return toxics;
        }

        private static readonly string[] HealthCheckParameters = { nameof(HealthCheckTimeout), nameof(Rise), nameof(Fall), nameof(HealthCheckSend), nameof(HealthCheckExpect) };

        /// <summary>An interval of 0 (-HealthCheckInterval 0, or a file's) turns checks off; a check setting given with it would be silently ignored, so it is refused.</summary>
        private void EnsureHealthCheckParametersApply(bool checksOff, string why, string fix)
        {
            if (!checksOff)
            {
                return;
            }
            var given = new List<string>();
            foreach (string name in HealthCheckParameters)
            {
                if (MyInvocation.BoundParameters.ContainsKey(name))
                {
                    given.Add("-" + name);
                }
            }
            if (given.Count > 0)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException($"{string.Join(", ", given)} cannot be used with {why}: an interval of 0 turns health checks off, so {(given.Count == 1 ? "it" : "they")} would have no effect. Remove {(given.Count == 1 ? "it" : "them")}, or {fix}."),
                    "HealthCheckParameterWithoutChecks",
                    ErrorCategory.InvalidArgument,
                    string.Join(", ", given)));
            }
        }
    }
}
