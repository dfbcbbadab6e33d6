using System;
using System.Management.Automation;
using System.Threading.Tasks;
using TcpLb.Dashboard;

namespace TcpLbModule.Jobs
{
    /// <summary>
    /// The process's dashboard (Start-TcpBalancerDashboard): the status page, /metrics and, when
    /// turned on, toxiproxy's API, on one HTTP listener. Stop-Job frees its port.
    /// </summary>
    public sealed class TcpDashboardJob : TcpLbJob
    {
        public const string JobTypeName = "TcpBalancerDashboard";
        private const int OutputCap = 100;
        private readonly DashboardServer _server;

        internal TcpDashboardJob(string command, string name, DashboardServer server)
            : base(command, name, JobTypeName, OutputCap)
        {
            _server = server;
            Uri = server.Uri!.ToString();
            SetJobState(JobState.Running);
            ModuleJobRegistry.Add(this);
            WriteVerboseMessage($"Dashboard listening on {Uri}: the page at {Uri}, metrics at {Uri}metrics{(server.ToxiproxyApiEnabled ? $", toxiproxy's API at {Uri}proxies" : "")}.");
            server.Completion.ContinueWith(OnServerCompleted, TaskScheduler.Default);
        }

        /// <summary>The base address: the status page; /metrics and toxiproxy's paths below it.</summary>
        public string Uri { get; }

        /// <summary>/metrics, for a Prometheus scrape configuration.</summary>
        public string MetricsUri => Uri + "metrics";

        /// <summary>The bound port (the real one when 0 was asked for).</summary>
        public int Port => _server.LocalEndPoint!.Port;

        public string ListenAddress => _server.LocalEndPoint!.Address.ToString();

        /// <summary>Whether toxiproxy's API answers at <see cref="Uri"/> (/version, /proxies, /populate, /reset).</summary>
        public bool ToxiproxyApi => _server.ToxiproxyApiEnabled;

        /// <summary>HTTP requests answered so far.</summary>
        public long Requests => _server.Requests;

        public override string Location => Uri;

        public override string StatusMessage => JobStateInfo.State == JobState.Running ? "Serving " + Uri : JobStateInfo.State.ToString();

        protected override void StopCore()
        {
            _server.Stop();
            WriteVerboseMessage($"Dashboard on {Uri} stopped; the port is free.");
        }

        private void OnServerCompleted(Task completion)
        {
            if (completion.IsFaulted)
            {
                Exception error = completion.Exception!.GetBaseException();
                Error.Add(new ErrorRecord(error, "DashboardFailed", ErrorCategory.ConnectionError, Uri));
                Finish(JobState.Failed);
            }
        }
    }
}
