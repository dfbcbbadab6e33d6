using System;
using System.Collections.Generic;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Proxying.Toxics;

namespace TcpLb.Configuration
{
    /// <summary>A toxic table while it is read or written: the same keys and units as Start-TcpBalancer -Toxic's hashtable (durations in ms, rate in KB/s).</summary>
    internal sealed class ToxicBinding
    {
        /// <summary>The settings each type takes (snake_case keys); the others do not apply to it.</summary>
        public static readonly IReadOnlyDictionary<ToxicType, string[]> Settings = new Dictionary<ToxicType, string[]>
        {
            [ToxicType.Latency] = new[] { "latency", "jitter" },
            [ToxicType.Bandwidth] = new[] { "rate" },
            [ToxicType.SlowClose] = new[] { "delay" },
            [ToxicType.Timeout] = new[] { "timeout" },
            [ToxicType.ResetPeer] = new[] { "timeout" },
            [ToxicType.Slicer] = new[] { "average_size", "size_variation", "delay" },
            [ToxicType.LimitData] = new[] { "bytes" },
        };

        public ToxicType? Type { get; set; }

        public string? Name { get; set; }

        public ToxicDirection Direction { get; set; } = ToxicDirection.Downstream;

        public double Toxicity { get; set; } = 1;

        public BackendAddress? Backend { get; set; }

        public TimeSpan Latency { get; set; }

        public TimeSpan Jitter { get; set; }

        public long RateKilobytesPerSecond { get; set; }

        public TimeSpan Delay { get; set; }

        public TimeSpan Timeout { get; set; }

        public int AverageSize { get; set; }

        public int SizeVariation { get; set; }

        public long Bytes { get; set; }

        /// <summary>The setting keys the file gave, to refuse one that does not apply to the type.</summary>
        public List<(string Key, ConfigurationNode Node, BindingContext At)> Given { get; } = new List<(string, ConfigurationNode, BindingContext)>();

        public static ToxicBinding From(BalancerToxic toxic)
        {
            ToxicDefinition d = toxic.Definition;
            return new ToxicBinding
            {
                Type = d.Type,
                Name = toxic.Name,
                Direction = d.Direction,
                Toxicity = d.Toxicity,
                Backend = toxic.Backend,
                Latency = d.Latency,
                Jitter = d.Jitter,
                RateKilobytesPerSecond = d.RateBytesPerSecond / 1024,
                Delay = d.Delay,
                Timeout = d.Timeout,
                AverageSize = d.AverageSize,
                SizeVariation = d.SizeVariation,
                Bytes = d.Bytes,
            };
        }

        public bool Applies(string key) => Type.HasValue && Array.IndexOf(Settings[Type.Value], key) >= 0;
    }
}
