using System;
using System.Linq;
using System.Management.Automation;
using System.Net;
using TcpLb.Dashboard;
using TcpLbModule.Dashboard;
using TcpLbModule.Detached;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// Start-TcpBalancerDashboard: the process's web face as a job: a live status page of every
    /// balancer, /metrics in Prometheus' format and, with -ToxiproxyApi, toxiproxy's HTTP API.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Start, "TcpBalancerDashboard", DefaultParameterSetName = InThisProcess, HelpUri = HelpLinks.Docs + "Start-TcpBalancerDashboard.md")]
    [OutputType(typeof(TcpDashboardJob), typeof(DetachedDashboard))]
    public sealed class StartTcpBalancerDashboardCommand : PSCmdlet
    {
        private const string InThisProcess = "Process";
        private const string InDetachedServer = "Server";
        private readonly DetachedServerClient _client = new DetachedServerClient();

        /// <summary>Listen port; 0 (the default) picks a free one (the job's Uri and Port have it).</summary>
        [Parameter(Position = 0)]
        [ValidateRange(0, 65535)]
        public int Port { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string ListenAddress { get; set; } = "127.0.0.1";

        /// <summary>Sources that may make requests: addresses and CIDR ranges; others get 403.</summary>
        [Parameter]
        [ValidateNotNull]
        public string[]? AllowFrom { get; set; }

        /// <summary>Sources that get 403; deny wins over allow.</summary>
        [Parameter]
        [ValidateNotNull]
        public string[]? DenyFrom { get; set; }

        /// <summary>toxiproxy's HTTP API on its own paths; loopback only.</summary>
        [Parameter]
        public SwitchParameter ToxiproxyApi { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        /// <summary>
        /// A detached balancer (Get-TcpBalancer): the dashboard starts in its process, shows its
        /// balancer and ends with it.
        /// </summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InDetachedServer)]
        [ValidateNotNull]
        public DetachedTcpServer? Server { get; set; }

        protected override void ProcessRecord()
        {
            if (Server == null)
            {
                return;
            }
            if (Server.Kind != TcpServerKind.Balancer)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException($"-Server '{Server.Name}' is a detached backend; a dashboard shows balancers. Pipe a detached balancer (Get-TcpBalancer)."),
                    "ServerNotBalancer",
                    ErrorCategory.InvalidArgument,
                    Server));
            }
            System.Collections.Hashtable parameters = DetachedServerClient.ForwardedParameters(this, new[] { nameof(Server) });
            WriteVerbose($"Starting the dashboard in the process of detached balancer '{Server.Name}' ({Server.Location}).");
            _client.Invoke(this, Server, MyInvocation.MyCommand.Name, parameters);
        }

        protected override void StopProcessing() => _client.Stop();

        protected override void EndProcessing()
        {
            if (ParameterSetName == InDetachedServer)
            {
                return;
            }
            IPAddress address = ListenAddressArgument.Resolve(this, ListenAddress);
            var options = new DashboardOptions { ListenAddress = address, Port = Port, ToxiproxyApi = ToxiproxyApi.IsPresent, Access = AccessArgument.Rules(this, AllowFrom, DenyFrom) };
            DashboardServer server;
            try
            {
                server = new DashboardServer(new JobBalancerCatalog(JobRepository, System.Management.Automation.Runspaces.Runspace.DefaultRunspace), options);
            }
            catch (ArgumentException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, ToxiproxyApi ? "ToxiproxyApiNotLoopback" : "InvalidDashboardOptions", ErrorCategory.InvalidArgument, ListenAddress));
                return;
            }
            try
            {
                server.Start();
            }
            catch (InvalidOperationException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, "DashboardListenFailed", ErrorCategory.ResourceUnavailable, Port));
                return;
            }
            if (!DashboardOptions.IsLoopback(address) && AllowFrom == null)
            {
                WriteWarning($"Start-TcpBalancerDashboard listens on {server.Uri}, beyond loopback: other hosts that reach it can read every balancer's addresses, backends and counters. Restrict who may with -AllowFrom (addresses or CIDR ranges), or listen on loopback (-ListenAddress 127.0.0.1, the default).");
            }
            if (server.ToxiproxyApiEnabled)
            {
                WriteWarning($"toxiproxy's API is on at {server.Uri} (loopback only): any local process can create proxies (listeners) and add toxics that break this process's balancers' connections. {(DetachedServerHost.HostedJobs.Any() ? "It ends when the detached balancer stops." : "Stop the job to turn it off.")}");
            }
            var job = new TcpDashboardJob(MyInvocation.Line, Name ?? "TcpBalancerDashboard:" + server.LocalEndPoint!.Port, server);
            TcpServerJob? hosted = DetachedServerHost.HostedJobs.FirstOrDefault();
            if (hosted != null)
            {
                // In a detached balancer's process, run for a caller in another process: the caller's
                // runspace here closes when it is done, so the dashboard belongs to the process and
                // ends with it when the balancer stops; the caller gets where it answers.
                DetachedServerHost.AddCompanion(job);
                WriteObject(new DetachedDashboard(job, hosted.Name));
                return;
            }
            JobRepository.Add(job);
            WriteObject(job);
        }
    }
}
