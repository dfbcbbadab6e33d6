using TcpLb.Engine.Balancing;
using TcpLb.Engine.Proxying.Toxics;

namespace TcpLbModule.Jobs
{
    /// <summary>A toxic of a balancer as Get-TcpBalancerToxic saw it: a snapshot, in the module's units (ms, KB/s, bytes).</summary>
    public sealed class TcpBalancerToxicStatus
    {
        internal TcpBalancerToxicStatus(TcpBalancerJob job, BalancerToxic toxic)
        {
            ToxicDefinition definition = toxic.Definition;
            Balancer = job.Name;
            BalancerId = job.Id;
            ToxicName = toxic.Name;
            Type = definition.Type.ToString();
            Direction = definition.Direction.ToString();
            Toxicity = definition.Toxicity;
            Backend = toxic.Backend?.ToString();
            Latency = definition.Latency.TotalMilliseconds;
            Jitter = definition.Jitter.TotalMilliseconds;
            Rate = definition.RateBytesPerSecond / 1024.0;
            Delay = definition.Delay.TotalMilliseconds;
            Timeout = definition.Timeout.TotalMilliseconds;
            AverageSize = definition.AverageSize;
            SizeVariation = definition.SizeVariation;
            Bytes = definition.Bytes;
            Attributes = definition.Attributes;
            Connections = toxic.Connections;
        }

        /// <summary>The balancer job's name and id.</summary>
        public string Balancer { get; }

        public int BalancerId { get; }

        /// <summary>
        /// The toxic's name, unique on its balancer. Named ToxicName (not Name) so that piping the
        /// status to Remove- or Set-TcpBalancerToxic binds it to -ToxicName, and Balancer to -Name.
        /// </summary>
        public string ToxicName { get; }

        public string Type { get; }

        public string Direction { get; }

        /// <summary>The share of new connections it applies to, 0 to 1.</summary>
        public double Toxicity { get; }

        /// <summary>The only backend it touches, as host:port; null for every backend.</summary>
        public string? Backend { get; }

        /// <summary>Milliseconds (Latency).</summary>
        public double Latency { get; }

        /// <summary>Milliseconds (Latency).</summary>
        public double Jitter { get; }

        /// <summary>KB/s, 1 KB = 1024 bytes (Bandwidth).</summary>
        public double Rate { get; }

        /// <summary>Milliseconds (SlowClose, Slicer).</summary>
        public double Delay { get; }

        /// <summary>Milliseconds (Timeout, ResetPeer).</summary>
        public double Timeout { get; }

        /// <summary>Bytes (Slicer).</summary>
        public int AverageSize { get; }

        /// <summary>Bytes (Slicer).</summary>
        public int SizeVariation { get; }

        /// <summary>Bytes (LimitData).</summary>
        public long Bytes { get; }

        /// <summary>The settings that matter for its type, as text.</summary>
        public string Attributes { get; }

        /// <summary>Connections it was applied to since it was added.</summary>
        public long Connections { get; }
    }
}
