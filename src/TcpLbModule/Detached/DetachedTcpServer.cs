using System;
using System.Globalization;
using System.Management.Automation;
using System.Net;
using TcpLb.Engine.Balancing;

namespace TcpLbModule.Detached
{
    /// <summary>
    /// A balancer or backend that runs in a background process of its own (Start-TcpBalancer
    /// -Detached, Start-TcpBackend -Detached), as Get-TcpBalancer and Get-TcpBackend list it.
    /// The control cmdlets take it from the pipeline; Invoke-TcpProbe takes its Port.
    /// </summary>
    public sealed class DetachedTcpServer
    {
        internal DetachedTcpServer(DetachedServerEntry entry)
        {
            Entry = entry;
            Name = entry.Name;
            Kind = (TcpServerKind)Enum.Parse(typeof(TcpServerKind), entry.Kind);
            Pid = entry.Pid;
            Port = entry.Port;
            ListenAddress = entry.ListenAddress;
            StartedAt = DateTime.Parse(entry.StartedAt, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind).ToLocalTime();
            Transport = string.IsNullOrEmpty(entry.Transport) ? null : entry.Transport;
            Algorithm = string.IsNullOrEmpty(entry.Algorithm) ? null : entry.Algorithm;
        }

        public string Name { get; }

        public TcpServerKind Kind { get; }

        /// <summary>Like a job's: TcpBalancer or TcpBackend.</summary>
        public string PSJobTypeName => "Tcp" + Kind;

        /// <summary>Running while its process serves it; Stopped once Stop-TcpBalancer or Stop-TcpBackend has ended it.</summary>
        public JobState State { get; internal set; } = JobState.Running;

        public int Port { get; }

        public string ListenAddress { get; }

        /// <summary>Where it runs: "pid 1234".</summary>
        public string Location => "pid " + Pid.ToString(CultureInfo.InvariantCulture);

        public int Pid { get; }

        public DateTime StartedAt { get; }

        /// <summary>A balancer's transport, Loop or Stream, as its job's Transport says; null for a backend.</summary>
        public string? Transport { get; }

        /// <summary>A balancer's algorithm (a BalancingAlgorithm name) as of the last start or reload, as its job's Algorithm says; null for a backend.</summary>
        public string? Algorithm { get; }

        internal DetachedServerEntry Entry { get; }

        /// <summary>
        /// After the stop was forwarded: waits for the process to exit (a process that does not
        /// within <paramref name="grace"/> and 30 s is killed, with a warning), then makes sure its
        /// entry is gone and marks it Stopped.
        /// </summary>
        internal void AwaitEnd(TimeSpan grace, Action<string> warning)
        {
            TimeSpan exitTimeout = grace + TimeSpan.FromSeconds(30);
            if (!DetachedProcess.WaitForExit(Pid, exitTimeout))
            {
                warning($"The process of detached {Kind.ToString().ToLowerInvariant()} '{Name}' ({Location}) did not exit within {exitTimeout.TotalSeconds:0} s of being stopped; it was killed.");
                DetachedProcess.Kill(Pid);
                DetachedProcess.WaitForExit(Pid, TimeSpan.FromSeconds(10));
            }
            DetachedServerRegistry.Forget(Entry);
            State = JobState.Stopped;
        }

        public override string ToString() => $"{PSJobTypeName} '{Name}' on {Endpoint} ({Location})";

        /// <summary>The address a balancer reaches this backend at (a backend listening on every address is reached over loopback).</summary>
        internal bool TryGetBackendAddress(out BackendAddress? address, out string? reason)
        {
            address = null;
            if (Kind != TcpServerKind.Backend)
            {
                reason = $"'{Name}' is a detached balancer, not a backend. Accepted: {BackendAddress.AcceptedForms}, a job from Start-TcpBackend, or a detached backend from Get-TcpBackend.";
                return false;
            }
            string host = ListenAddress;
            if (IPAddress.TryParse(host, out IPAddress? listen))
            {
                if (listen.Equals(IPAddress.Any))
                {
                    host = IPAddress.Loopback.ToString();
                }
                else if (listen.Equals(IPAddress.IPv6Any))
                {
                    host = IPAddress.IPv6Loopback.ToString();
                }
            }
            address = new BackendAddress(host, Port);
            reason = null;
            return true;
        }

        private string Endpoint => ListenAddress.Contains(":") ? $"[{ListenAddress}]:{Port}" : $"{ListenAddress}:{Port}";
    }
}
