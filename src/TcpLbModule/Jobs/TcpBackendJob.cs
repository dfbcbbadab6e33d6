using System;
using System.Management.Automation;
using TcpLb.Engine.Backends;

namespace TcpLbModule.Jobs
{
    /// <summary>A running test backend (Start-TcpBackend).</summary>
    public sealed class TcpBackendJob : TcpServerJob
    {
        public const string JobTypeName = "TcpBackend";

        internal TcpBackendJob(string command, string name, TcpTestBackend backend)
            : base(command, name, JobTypeName, backend)
        {
            Backend = backend;
            backend.Behavior.Changed += OnBehaviorChanged;
        }

        /// <summary>
        /// A stopped backend lets exchanges already under way finish (a test backend's replies
        /// take microseconds), so stopping one behind a balancer fails no client that it was
        /// already serving; long-lived connections are closed after this.
        /// </summary>
        protected override TimeSpan DefaultStopGrace => TimeSpan.FromMilliseconds(250);

        /// <summary>The engine object behind the job (internal: scripts get its counters, which serialize promptly).</summary>
        internal TcpTestBackend Backend { get; }

        /// <summary>Identify or Echo (a TcpBackendMode name, which ConvertTo-Json writes as such).</summary>
        public string Mode => Backend.Mode.ToString();

        public long ConnectionsAccepted => Backend.ConnectionsAccepted;

        /// <summary>Connections reset at accept by -AllowFrom / -DenyFrom (not in ConnectionsAccepted).</summary>
        public long ConnectionsDenied => Backend.ConnectionsDenied;

        /// <summary>Connections reset because their PROXY header (-AcceptProxyProtocol) was missing or malformed.</summary>
        public long BadProxyHeaders => Backend.BadProxyHeaders;

        /// <summary>Says when the backend refuses connections or injects another fault.</summary>
        public override string StatusMessage
        {
            get
            {
                TcpBackendFault fault = Backend.Behavior.Fault;
                if (JobStateInfo.State != JobState.Running || fault == TcpBackendFault.None)
                {
                    return base.StatusMessage;
                }
                return fault == TcpBackendFault.Refuse
                    ? "Refusing connections on " + Location
                    : $"{base.StatusMessage} ({fault} fault)";
            }
        }

        /// <summary>The fault in force (Set-TcpBackend -Fault), as a TcpBackendFault name.</summary>
        public string Fault => Backend.Behavior.Fault.ToString();

        /// <summary>Added latency in milliseconds (Set-TcpBackend -Latency).</summary>
        public int Latency => (int)Backend.Behavior.Latency.TotalMilliseconds;

        /// <summary>Jitter around the latency in milliseconds (Set-TcpBackend -Jitter).</summary>
        public int Jitter => (int)Backend.Behavior.Jitter.TotalMilliseconds;

        /// <summary>The bandwidth limit per connection in KiB/s, 0 for none (Set-TcpBackend -BandwidthKBps).</summary>
        public int BandwidthKBps => (int)(Backend.Behavior.BandwidthBytesPerSecond / 1024);

        /// <summary>Connections accepted and then closed, reset or held because of a fault.</summary>
        public long FaultedConnections
        {
            get
            {
                long total = 0;
                foreach (TcpBackendFault fault in (TcpBackendFault[])Enum.GetValues(typeof(TcpBackendFault)))
                {
                    if (fault != TcpBackendFault.None)
                    {
                        total += Backend.ConnectionsAcceptedWith(fault);
                    }
                }
                return total;
            }
        }

        /// <summary>Connections accepted while <paramref name="fault"/> was in force.</summary>
        public long ConnectionsAcceptedWith(TcpBackendFault fault) => Backend.ConnectionsAcceptedWith(fault);

        private void OnBehaviorChanged(object? sender, EventArgs e)
        {
            WriteVerboseMessage($"{JobTypeName} on {Location} now behaves: {Backend.Behavior}.");
            WriteTrace($"behavior: {Backend.Behavior}");
        }
    }
}
