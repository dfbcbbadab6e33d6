using System;
using System.Collections.Generic;
using System.Management.Automation;
using TcpLb.Configuration;
using TcpLb.Configuration.Reload;
using TcpLb.Engine.Balancing;
using TcpLbModule.Configuration;
using TcpLbModule.Detached;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// Update-TcpBalancer: applies a new configuration to a running balancer without dropping a
    /// connection: the difference between what runs and what is asked (ReconfigurationPlan) is
    /// applied change by change; -WhatIf lists it and changes nothing. With -ConfigurationPath the
    /// file's server for this balancer is what is asked, with the parameters given over it.
    /// </summary>
    [Cmdlet(VerbsData.Update, "TcpBalancer", DefaultParameterSetName = ByJob, SupportsShouldProcess = true, HelpUri = HelpLinks.Docs + "Update-TcpBalancer.md")]
    [OutputType(typeof(BalancerChange))]
    public sealed class UpdateTcpBalancerCommand : JobTargetCommand<TcpBalancerJob>
    {
        private List<BackendDefinition>? _pool;
        private IReadOnlyList<BalancerDefinition>? _servers;

        /// <summary>A configuration file (.psd1, .json, .toml) whose server for this balancer (by name, else by port, else the only one) is the configuration wanted.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ConfigurationPath { get; set; }

        /// <summary>The whole pool wanted, in order: ports, host:port, [v6]:port with ;weight=N;backup;max_connections=N, or TcpBackend jobs.</summary>
        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        public object[]? Backend { get; set; }

        [Parameter]
        [Algorithm]
        public BalancingAlgorithm? Algorithm { get; set; }

        [Parameter]
        [ValidateSetting(nameof(ConnectTimeout))]
        [Duration]
        public int? ConnectTimeout { get; set; }

        [Parameter]
        [ValidateSetting(nameof(Retries))]
        public int? Retries { get; set; }

        [Parameter]
        [ValidateSetting(nameof(ConnectFailureLimit))]
        public int? ConnectFailureLimit { get; set; }

        [Parameter]
        [ValidateSetting(nameof(ResponseTimeout))]
        [Duration]
        public int? ResponseTimeout { get; set; }

        [Parameter]
        public RetryConditions? RetryOn { get; set; }

        [Parameter]
        [ValidateSetting(nameof(IdleTimeout))]
        [Duration]
        public int? IdleTimeout { get; set; }

        [Parameter]
        [ValidateSetting(nameof(FinTimeout))]
        [Duration]
        public int? FinTimeout { get; set; }

        [Parameter]
        [ValidateSetting(nameof(MaxConnections))]
        public int? MaxConnections { get; set; }

        [Parameter]
        [ValidateSetting(nameof(BackendMaxConnections))]
        public int? BackendMaxConnections { get; set; }

        [Parameter]
        [ValidateSetting(nameof(QueueLength))]
        public int? QueueLength { get; set; }

        [Parameter]
        [ValidateSetting(nameof(QueueTimeout))]
        [Duration]
        public int? QueueTimeout { get; set; }

        [Parameter]
        [ValidateSetting(nameof(HealthCheckInterval))]
        [Duration]
        public int? HealthCheckInterval { get; set; }

        [Parameter]
        [ValidateSetting(nameof(HealthCheckTimeout))]
        [Duration]
        public int? HealthCheckTimeout { get; set; }

        [Parameter]
        [ValidateSetting(nameof(Rise))]
        public int? Rise { get; set; }

        [Parameter]
        [ValidateSetting(nameof(Fall))]
        public int? Fall { get; set; }

        [Parameter]
        [ValidateSetting(nameof(SlowStart))]
        [Duration]
        public int? SlowStart { get; set; }

        /// <summary>Write the changes made (BalancerChange objects) to the pipeline.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override string JobKind => "balancer";

        protected override void BeginProcessing()
        {
            if (Backend != null)
            {
                _pool = new List<BackendDefinition>(BackendArgument.ConvertAllDefinitions(this, Backend, jobMustBeRunning: true));
                BackendArgument.EnsureDistinct(this, _pool.ConvertAll(b => b.Address));
            }
            if (ConfigurationPath != null)
            {
                ConfigurationPath = GetUnresolvedProviderPathFromPSPath(ConfigurationPath);
                _servers = ConfigurationFile.ReadOrFail(this, ConfigurationPath);
            }
        }

        protected override void ProcessRecord()
        {
            foreach (TcpBalancerJob job in ResolveJobs(mustBeRunning: true))
            {
                TcpBalancerOptions current = job.Balancer.CurrentConfiguration();
                TcpBalancerOptions? start = _servers == null ? current : FromFile(job, current);
                if (start != null)
                {
                    Reload(job, current, Desired(start));
                }
            }
        }

        /// <summary>
        /// The file's server for this balancer: the one of its name, else the one on its port, else
        /// the file's only server. Its listener is the running one's (a listener cannot change while
        /// it runs; a different one in the file is a warning). Null, with an error written, when
        /// no server fits.
        /// </summary>
        private TcpBalancerOptions? FromFile(TcpBalancerJob job, TcpBalancerOptions current)
        {
            BalancerDefinition? server = null;
            foreach (BalancerDefinition candidate in _servers!)
            {
                if (string.Equals(candidate.Name, job.Name, StringComparison.OrdinalIgnoreCase))
                {
                    server = candidate;
                    break;
                }
                if (server == null && candidate.Options.Port == current.Port)
                {
                    server = candidate;
                }
            }
            if (server == null && _servers!.Count == 1)
            {
                server = _servers[0];
            }
            if (server == null)
            {
                WriteError(new ErrorRecord(
                    new ArgumentException($"{ConfigurationPath} has no server for balancer '{job.Name}' on port {current.Port}: none is named '{job.Name}' or listens on port {current.Port}, and the file has {_servers!.Count} servers. Name the server in the file (name = \"{job.Name}\")."),
                    "NoServerForBalancer",
                    ErrorCategory.ObjectNotFound,
                    job));
                return null;
            }
            TcpBalancerOptions wanted = server.Options.Copy();
            if (!Equals(wanted.ListenAddress, current.ListenAddress) || (wanted.Port != 0 && wanted.Port != current.Port))
            {
                WriteWarning($"{ConfigurationPath}: the server for balancer '{job.Name}' listens on {TcpLb.Engine.Net.Endpoints.Format(wanted.ListenAddress.ToString(), wanted.Port)}, but the balancer runs on {TcpLb.Engine.Net.Endpoints.Format(current.ListenAddress.ToString(), current.Port)}. A listener cannot change while it runs: the rest of the file is applied; stop and start the balancer to move it.");
            }
            wanted.ListenAddress = current.ListenAddress;
            wanted.Port = current.Port;
            return wanted;
        }

        /// <summary>The configuration wanted: <paramref name="start"/> (the running one, or the file's) with the parameters given over it.</summary>
        private TcpBalancerOptions Desired(TcpBalancerOptions start)
        {
            TcpBalancerOptions desired = start.Copy();
            if (_pool != null)
            {
                desired.Backends.Clear();
                _pool.ForEach(desired.Backends.Add);
            }
            SettingParameters.Apply(MyInvocation.BoundParameters, desired);
            return desired;
        }

        /// <summary>Plans the difference, refuses what cannot change while running, and applies each change ShouldProcess lets through.</summary>
        private void Reload(TcpBalancerJob job, TcpBalancerOptions current, TcpBalancerOptions desired)
        {
            ReconfigurationPlan plan;
            try
            {
                plan = ReconfigurationPlan.Create(current, desired);
            }
            catch (ArgumentException e)
            {
                Fail($"Cannot update balancer '{job.Name}': {e.Message}", "InvalidConfiguration", ErrorCategory.InvalidArgument, job);
                return;
            }
            if (plan.NotChangeable.Count > 0)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException($"Cannot update balancer '{job.Name}': {string.Join("; ", plan.NotChangeable)}. Stop it and start it again with the new settings; nothing was changed."),
                    "NotChangeableWhileRunning",
                    ErrorCategory.InvalidOperation,
                    job));
            }
            if (plan.Changes.Count == 0)
            {
                WriteVerbose($"Balancer '{job.Name}' already runs with this configuration: nothing to change.");
                return;
            }
            string target = $"balancer '{job.Name}' on port {job.Port}";
            IReadOnlyList<BalancerChange> applied;
            try
            {
                applied = plan.Apply(job.Balancer, change => ShouldProcess(target, change.ToString()));
            }
            catch (SelfLoopBackendException e)
            {
                Fail($"Cannot update balancer '{job.Name}': {e.Message}", "BackendIsBalancer", ErrorCategory.InvalidArgument, e.Backend.ToString());
                return;
            }
            catch (ArgumentException e)
            {
                Fail($"Cannot update balancer '{job.Name}': {e.Message}", "InvalidConfiguration", ErrorCategory.InvalidArgument, job);
                return;
            }
            finally
            {
                // In a detached balancer's process: Get-TcpBalancer elsewhere shows what it runs with now.
                DetachedServerHost.Reconfigured(job);
            }
            foreach (BalancerChange change in applied)
            {
                WriteVerbose($"Balancer '{job.Name}': {change}.");
                if (PassThru)
                {
                    WriteObject(change);
                }
            }
        }

        /// <summary>The detached server's process gets the pool as text (jobs of this session mean nothing there).</summary>
        protected override void ForwardTo(DetachedTcpServer server)
        {
            if (!ShouldProcess($"detached balancer '{server.Name}' on port {server.Port} ({server.Location})", MyInvocation.MyCommand.Name))
            {
                return;
            }
            System.Collections.Hashtable parameters = DetachedServerClient.ForwardedParameters(this, new[] { nameof(Job), nameof(Name), nameof(Id), nameof(Server), "WhatIf", "Confirm" });
            parameters[nameof(Name)] = new[] { WildcardPattern.Escape(server.Name) };
            if (_pool != null)
            {
                parameters[nameof(Backend)] = _pool.ConvertAll(b => b.ToString()).ToArray();
            }
            if (Algorithm.HasValue)
            {
                parameters[nameof(Algorithm)] = Algorithm.Value.ToString();
            }
            if (ConfigurationPath != null)
            {
                parameters[nameof(ConfigurationPath)] = ConfigurationPath;
            }
            ForwardTo(server, parameters);
        }
    }
}
