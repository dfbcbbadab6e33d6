using System.Linq;
using System.Management.Automation;
using TcpLb.Engine.Balancing;

namespace TcpLbModule.Jobs
{
    /// <summary>
    /// A running balancer (Start-TcpBalancer) with its live statistics. Backend state changes are
    /// written to its output as <see cref="TcpBalancerEvent"/> records and as verbose messages.
    /// </summary>
    public sealed class TcpBalancerJob : TcpServerJob
    {
        public const string JobTypeName = "TcpBalancer";

        internal TcpBalancerJob(string command, string name, TcpBalancer balancer)
            : base(command, name, JobTypeName, balancer)
        {
            Balancer = balancer;
            balancer.Trace = new BalancerJobTrace(this);
            balancer.BackendStateChanged += (sender, change) =>
            {
                var record = new TcpBalancerEvent(Name, change);
                WriteOutput(record);
                WriteVerboseMessage(record.ToString());
                WriteTrace("backend state: " + record);
            };
            balancer.Warning += (sender, warning) => OnBalancerWarning(warning);
            balancer.OutageChanged += (sender, change) =>
            {
                var record = new TcpBalancerOutageEvent(Name, change);
                WriteOutput(record);
                WriteVerboseMessage(record.ToString());
                WriteTrace("outage: " + record);
            };
            balancer.ToxicChanged += (sender, change) =>
            {
                var record = new TcpBalancerToxicEvent(Name, change);
                WriteOutput(record);
                WriteVerboseMessage(record.ToString());
                WriteTrace("toxic: " + record);
            };
            // How the engine tunes itself, not the pool's story: Verbose only, no output record.
            balancer.LoopsChanged += (sender, change) => WriteKeptTrace(change.ToString());
        }

        /// <summary>The engine object behind the job (internal: scripts get snapshots, which serialize promptly).</summary>
        internal TcpBalancer Balancer { get; }

        /// <summary>
        /// A copy of the configuration the balancer runs with now, after any reloads (pool,
        /// weights, algorithm, every setting); Export-TcpBalancerConfiguration writes it as a file.
        /// </summary>
        public TcpBalancerOptions CurrentConfiguration() => Balancer.CurrentConfiguration();

        /// <summary>How new connections pick their backend (a BalancingAlgorithm name, which ConvertTo-Json writes as such).</summary>
        public string Algorithm => Balancer.Algorithm.ToString();

        /// <summary>The transport the balancer runs on, Loop or Stream (a BalancerTransport name): what -Transport, TCPLB_TRANSPORT, TLS and the system chose.</summary>
        public string Transport => Balancer.Transport.ToString();

        /// <summary>The backends in pool order, as host:port.</summary>
        public string[] Backends => Balancer.Backends.Select(b => b.Address.ToString()).ToArray();

        public long Accepted => Balancer.Statistics.Accepted;

        /// <summary>Client connections relayed to a backend to their end.</summary>
        public long Served => Balancer.Statistics.Served;

        public int Active => Balancer.ActiveConnections;

        public long Failed => Balancer.Statistics.Failed;

        public long Retried => Balancer.Statistics.Retried;

        /// <summary>Connections moved to another backend, their bytes replayed, because their backend failed before its first byte.</summary>
        public long Redispatched => Balancer.Statistics.Redispatched;

        public long Rejected => Balancer.Statistics.Rejected;

        /// <summary>Connections closed because they came from the balancer's own outgoing connection (a backend that leads back here).</summary>
        public long LoopsCut => Balancer.Statistics.LoopsCut;

        /// <summary>Connections reset at accept by an access rule (-AllowFrom, -DenyFrom); Get-TcpBalancerAccess counts them per rule.</summary>
        public long Denied => Balancer.Statistics.Denied;

        /// <summary>Connections refused by -MaxConnectionsPerSource or -ConnectionRatePerSource (also counted in Rejected).</summary>
        public long SourceLimited => Balancer.Access.ConnectionLimited + Balancer.Access.RateLimited + Balancer.Access.TableFull;

        /// <summary>Clients reset because their PROXY header (-AcceptProxyProtocol) was missing, malformed or late (also counted in Failed).</summary>
        public long BadProxyHeaders => Balancer.Statistics.BadProxyHeaders;

        /// <summary>Clients that reset while they waited in a queue (-MaxConnections, -BackendMaxConnections): dropped before any backend saw them (also counted in Failed).</summary>
        public long AbandonedInQueue => Balancer.Statistics.AbandonedInQueue;

        public int Queued => Balancer.Queued;

        /// <summary>Connections sent to a backup backend because no primary was available.</summary>
        public long SentToBackup => Balancer.Statistics.SentToBackup;

        /// <summary>None, or how the balancer treats new clients while it is down (Set-TcpBalancerOutage).</summary>
        public string Outage => Balancer.Outage.ToString();

        /// <summary>Client connections that one or more toxics applied to (Get-TcpBalancerToxic lists the toxics).</summary>
        public long ToxicConnections => Balancer.Statistics.ToxicConnections;

        public long BytesFromClients => Balancer.Statistics.BytesFromClients.Bytes;

        public long BytesFromBackends => Balancer.Statistics.BytesFromBackends.Bytes;

        /// <summary>The engine rate-limits these (once per episode), so the unbounded Warning stream stays small.</summary>
        private void OnBalancerWarning(BalancerWarningEventArgs warning)
        {
            if (!warning.Resolved)
            {
                Warning.Add(new WarningRecord(warning.Message));
            }
            WriteVerboseMessage(warning.Message);
            WriteTrace((warning.Resolved ? "resolved: " : "warning: ") + warning.Message);
        }

        /// <summary>
        /// A line of the balancer's trace (<see cref="BalancerJobTrace"/>): to Verbose, and to Debug
        /// when the job traces. At most <see cref="TraceLinesPerSecond"/> a second, and the oldest
        /// unread Verbose (and Debug) line goes once <see cref="TraceVerboseCap"/> are kept: a storm of failing
        /// connections costs bounded memory.
        /// </summary>
        internal void WriteConnectionTrace(string line)
        {
            if (!_traceGate.TryPass(out long suppressed))
            {
                return;
            }
            if (suppressed > 0)
            {
                line += $" ({suppressed} more trace line(s) were not written: at most {TraceLinesPerSecond} a second)";
            }
            WriteKeptTrace(line, "trace: ");
        }

        /// <summary>
        /// A line to Verbose, and to Debug when the job traces, the oldest unread one dropped once
        /// <see cref="TraceVerboseCap"/> are kept (for lines that come for as long as the balancer runs).
        /// </summary>
        private void WriteKeptTrace(string line, string debugPrefix = "")
        {
            KeepRoom(Verbose);
            WriteVerboseMessage(line);
            KeepRoom(Debug);
            WriteTrace(debugPrefix + line);
        }

        /// <summary>Drops the oldest unread record once <see cref="TraceVerboseCap"/> are kept.</summary>
        private static void KeepRoom<T>(PSDataCollection<T> records)
        {
            if (records.Count >= TraceVerboseCap)
            {
                try
                {
                    records.RemoveAt(0);
                }
                catch (System.ArgumentOutOfRangeException)
                {
                    // A reader took everything meanwhile.
                }
            }
        }

        internal const int TraceLinesPerSecond = 20;

        internal const int TraceVerboseCap = 1000;

        private readonly TraceRateGate _traceGate = new TraceRateGate(TraceLinesPerSecond);

        internal TcpBalancerToxicStatus[] ToxicStatus() => Balancer.Toxics.Select(t => new TcpBalancerToxicStatus(this, t)).ToArray();

        internal TcpBalancerBackendStatus[] BackendStatus() => Balancer.Backends.Select(b => new TcpBalancerBackendStatus(this, b)).ToArray();
    }
}
