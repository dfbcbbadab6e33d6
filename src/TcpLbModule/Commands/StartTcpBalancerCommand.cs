using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Net;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Net;
using TcpLbModule.Detached;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>Start-TcpBalancer: a round-robin TCP balancer as a job.</summary>
    [Cmdlet(VerbsLifecycle.Start, "TcpBalancer")]
    [OutputType(typeof(TcpBalancerJob), typeof(DetachedTcpServer))]
    public sealed class StartTcpBalancerCommand : PSCmdlet, IDisposable
    {
        private readonly List<BackendAddress> _backends = new List<BackendAddress>();
        private readonly DetachedStartBatch _detached = new DetachedStartBatch();
        private IPAddress _listenAddress = IPAddress.Loopback;

        /// <summary>Listen port; 0 picks a free port.</summary>
        [Parameter(Position = 0)]
        [ValidateRange(0, 65535)]
        public int Port { get; set; } = TcpBalancerOptions.DefaultPort;

        /// <summary>Ports, host:port, [v6]:port, or TcpBackend jobs.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        [AllowEmptyCollection]
        [AllowNull]
        public object?[]? Backend { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string ListenAddress { get; set; } = "127.0.0.1";

        /// <summary>Milliseconds to wait for a backend to accept a connection.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int ConnectTimeout { get; set; } = 2000;

        /// <summary>Further backends to try when a connect fails.</summary>
        [Parameter]
        [ValidateRange(0, 100)]
        public int Retries { get; set; } = 3;

        /// <summary>Milliseconds between active health checks of each backend; 0 turns them off.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int HealthCheckInterval { get; set; } = 2000;

        /// <summary>Milliseconds one health check may take.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int HealthCheckTimeout { get; set; } = 1000;

        /// <summary>Successful checks in a row that bring a Down backend back Up.</summary>
        [Parameter]
        [ValidateRange(1, 1000)]
        public int Rise { get; set; } = 2;

        /// <summary>Failed checks in a row that take an Up backend Down.</summary>
        [Parameter]
        [ValidateRange(1, 1000)]
        public int Fall { get; set; } = 3;

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
        [ValidateRange(0, 1000)]
        public int ConnectFailureLimit { get; set; } = 3;

        /// <summary>
        /// Milliseconds the client's bytes may wait for the backend's first byte before the
        /// connection counts as a failure of the backend and is redispatched or reset; 0: off.
        /// </summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int ResponseTimeout { get; set; } = (int)TcpBalancerOptions.DefaultResponseTimeout.TotalMilliseconds;

        /// <summary>Never replay a connection's bytes to another backend (for protocols where a request must not be sent twice).</summary>
        [Parameter]
        public SwitchParameter NoReplay { get; set; }

        /// <summary>Milliseconds with no bytes either way before a connection is closed; 0: never.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int IdleTimeout { get; set; } = 3_600_000;

        /// <summary>Milliseconds a connection may stay half-closed before both sides are closed.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int FinTimeout { get; set; } = 30_000;

        /// <summary>Client connections open at once; 0: no limit.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int MaxConnections { get; set; }

        /// <summary>Connections open at once to each backend; 0: no limit.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int BackendMaxConnections { get; set; }

        /// <summary>Connections that may wait for a slot once a limit is reached.</summary>
        [Parameter]
        [ValidateRange(0, 1_000_000)]
        public int QueueLength { get; set; } = 256;

        /// <summary>Milliseconds a connection may wait for a slot before it is refused.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int QueueTimeout { get; set; } = 5000;

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        /// <summary>Toxics in force from the first connection on: hashtables with Type and the toxic's settings (see Add-TcpBalancerToxic).</summary>
        [Parameter]
        [ValidateNotNull]
        public System.Collections.Hashtable[]? Toxic { get; set; }

        /// <summary>The balancer in a background process of its own that outlives this session (see Get-TcpBalancer).</summary>
        [Parameter]
        public SwitchParameter Detached { get; set; }

        protected override void BeginProcessing() => _listenAddress = ListenAddressArgument.Resolve(this, ListenAddress);

        protected override void ProcessRecord()
        {
            if (Backend == null)
            {
                return;
            }
            _backends.AddRange(BackendArgument.ConvertAll(this, Backend, jobMustBeRunning: true));
        }

        protected override void EndProcessing()
        {
            if (_backends.Count == 0)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException($"-Backend: no backends were given. Give at least one: {BackendAddress.AcceptedForms}, or a job from Start-TcpBackend."),
                    "NoBackends",
                    ErrorCategory.InvalidArgument,
                    Backend));
            }
            BackendArgument.EnsureDistinct(this, _backends);
            EnsureHealthCheckParametersApply();
            List<BalancerToxic> toxics = ParseToxics();

            if (Detached)
            {
                StartDetached();
                return;
            }

            var options = new TcpBalancerOptions
            {
                ListenAddress = _listenAddress,
                Port = Port,
                ConnectTimeout = TimeSpan.FromMilliseconds(ConnectTimeout),
                Retries = Retries,
                ConnectFailuresBeforeDown = ConnectFailureLimit,
                ResponseTimeout = TimeSpan.FromMilliseconds(ResponseTimeout),
                Replay = !NoReplay.IsPresent,
                IdleTimeout = IdleTimeout == 0 ? System.Threading.Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(IdleTimeout),
                FinTimeout = TimeSpan.FromMilliseconds(FinTimeout),
                MaxConnections = MaxConnections,
                BackendMaxConnections = BackendMaxConnections,
                QueueLength = QueueLength,
                QueueTimeout = TimeSpan.FromMilliseconds(QueueTimeout),
            };
            options.HealthCheck.Interval = TimeSpan.FromMilliseconds(HealthCheckInterval);
            options.HealthCheck.Timeout = TimeSpan.FromMilliseconds(HealthCheckTimeout);
            options.HealthCheck.Rise = Rise;
            options.HealthCheck.Fall = Fall;
            options.HealthCheck.Send = HealthCheckSend;
            options.HealthCheck.ExpectPrefix = HealthCheckExpect;
            foreach (BackendAddress backend in _backends)
            {
                options.Backends.Add(backend);
            }
            toxics.ForEach(options.Toxics.Add);

            TcpBalancer balancer;
            try
            {
                balancer = new TcpBalancer(options);
            }
            catch (ArgumentException e)
            {
                // A backend host that does not resolve.
                ThrowTerminatingError(new ErrorRecord(e, "InvalidBackend", ErrorCategory.InvalidArgument, Backend));
                return;
            }
            try
            {
                balancer.Start();
            }
            catch (ListenerBindException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, e.IsAddressInUse ? "PortInUse" : "ListenFailed", ErrorCategory.ResourceUnavailable, Port));
            }
            catch (SelfLoopBackendException e)
            {
                // Checked against the bound port (the real one for -Port 0); nothing stays bound.
                ThrowTerminatingError(new ErrorRecord(e, "BackendIsBalancer", ErrorCategory.InvalidArgument, e.Backend.ToString()));
            }

            var job = new TcpBalancerJob(MyInvocation.Line, Name ?? "TcpBalancer:" + balancer.Port, balancer);
            JobRepository.Add(job);
            WriteObject(job);
        }

        /// <summary>The same command, without -Detached, in a process of its own; the backends go as addresses.</summary>
        private void StartDetached()
        {
            System.Collections.Hashtable parameters = DetachedServerClient.ForwardedParameters(this, new[] { nameof(Detached) }, askVerbose: false);
            parameters[nameof(Backend)] = _backends.ConvertAll(b => b.ToString()).ToArray();
            if (Toxic != null)
            {
                parameters[nameof(Toxic)] = Array.ConvertAll(Toxic, ToxicArgument.Portable);
            }
            _detached.Begin(this, MyInvocation.MyCommand.Name, parameters, Name, "balancer on port " + Port);
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
                    BalancerToxic toxic = ToxicArgument.FromHashtable(table, _backends);
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

        /// <summary>-HealthCheckInterval 0 turns checks off; a check setting given with it would be silently ignored, so it is refused.</summary>
        private void EnsureHealthCheckParametersApply()
        {
            if (HealthCheckInterval != 0)
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
                    new ArgumentException($"{string.Join(", ", given)} cannot be used with -HealthCheckInterval 0: an interval of 0 turns health checks off, so {(given.Count == 1 ? "it" : "they")} would have no effect. Remove {(given.Count == 1 ? "it" : "them")}, or give -HealthCheckInterval a number of milliseconds greater than 0."),
                    "HealthCheckParameterWithoutChecks",
                    ErrorCategory.InvalidArgument,
                    string.Join(", ", given)));
            }
        }
    }
}
