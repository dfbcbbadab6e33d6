using System.Diagnostics;

namespace TcpLbModule.Jobs
{
    /// <summary>
    /// A dashboard that runs in a detached balancer's process (Start-TcpBalancerDashboard -Server):
    /// where it answers; it ends when that balancer stops.
    /// </summary>
    public sealed class DetachedDashboard
    {
        internal DetachedDashboard(TcpDashboardJob job, string balancer)
        {
            Name = job.Name;
            Balancer = balancer;
            Uri = job.Uri;
            MetricsUri = job.MetricsUri;
            Port = job.Port;
            ListenAddress = job.ListenAddress;
            ToxiproxyApi = job.ToxiproxyApi;
            Pid = Process.GetCurrentProcess().Id;
        }

        public string Name { get; }

        /// <summary>The detached balancer whose process serves the dashboard.</summary>
        public string Balancer { get; }

        public string Uri { get; }

        public string MetricsUri { get; }

        public int Port { get; }

        public string ListenAddress { get; }

        public bool ToxiproxyApi { get; }

        /// <summary>The detached balancer's process.</summary>
        public int Pid { get; }

        public override string ToString() => $"Dashboard '{Name}' at {Uri} (in the process of detached balancer '{Balancer}', pid {Pid})";
    }
}
