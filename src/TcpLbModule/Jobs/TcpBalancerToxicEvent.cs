using System;
using TcpLb.Engine.Balancing;

namespace TcpLbModule.Jobs
{
    /// <summary>A toxic added, changed or removed, written to the balancer job's output (Receive-Job).</summary>
    public sealed class TcpBalancerToxicEvent
    {
        internal TcpBalancerToxicEvent(string balancer, ToxicChangedEventArgs change)
        {
            Time = change.Time;
            Balancer = balancer;
            Toxic = change.Toxic.Name;
            Change = change.Change;
            Definition = change.Toxic.Definition.ToString();
            Backend = change.Toxic.Backend?.ToString();
        }

        public DateTimeOffset Time { get; }

        /// <summary>The balancer job's name.</summary>
        public string Balancer { get; }

        /// <summary>The toxic's name.</summary>
        public string Toxic { get; }

        /// <summary>added, changed or removed.</summary>
        public string Change { get; }

        /// <summary>Its type, direction, settings and toxicity, as text.</summary>
        public string Definition { get; }

        /// <summary>The only backend it touches; null for every backend.</summary>
        public string? Backend { get; }

        public override string ToString() => $"toxic {Toxic} {Change}: {Definition}{(Backend == null ? "" : " on " + Backend)}";
    }
}
