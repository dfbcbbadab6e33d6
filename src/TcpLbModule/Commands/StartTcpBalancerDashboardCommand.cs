using System;
using System.Management.Automation;
using System.Net;
using TcpLb.Dashboard;
using TcpLbModule.Dashboard;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// Start-TcpBalancerDashboard: the process's web face as a job: a live status page of every
    /// balancer, /metrics in Prometheus' format and, with -ToxiproxyApi, toxiproxy's HTTP API.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Start, "TcpBalancerDashboard")]
    [OutputType(typeof(TcpDashboardJob))]
    public sealed class StartTcpBalancerDashboardCommand : PSCmdlet
    {
        /// <summary>Listen port; 0 (the default) picks a free one (the job's Uri and Port have it).</summary>
        [Parameter(Position = 0)]
        [ValidateRange(0, 65535)]
        public int Port { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string ListenAddress { get; set; } = "127.0.0.1";

        /// <summary>toxiproxy's HTTP API on its own paths; loopback only.</summary>
        [Parameter]
        public SwitchParameter ToxiproxyApi { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        protected override void EndProcessing()
        {
            IPAddress address = ListenAddressArgument.Resolve(this, ListenAddress);
            var options = new DashboardOptions { ListenAddress = address, Port = Port, ToxiproxyApi = ToxiproxyApi.IsPresent };
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
            if (!DashboardOptions.IsLoopback(address))
            {
                WriteWarning($"Start-TcpBalancerDashboard listens on {server.Uri}, beyond loopback: other hosts that reach it can read every balancer's addresses, backends and counters. Listen on loopback (-ListenAddress 127.0.0.1, the default) unless they should.");
            }
            if (server.ToxiproxyApiEnabled)
            {
                WriteWarning($"toxiproxy's API is on at {server.Uri} (loopback only): any local process can create proxies (listeners) and add toxics that break this process's balancers' connections. Stop the job to turn it off.");
            }
            var job = new TcpDashboardJob(MyInvocation.Line, Name ?? "TcpBalancerDashboard:" + server.LocalEndPoint!.Port, server);
            JobRepository.Add(job);
            WriteObject(job);
        }
    }
}
