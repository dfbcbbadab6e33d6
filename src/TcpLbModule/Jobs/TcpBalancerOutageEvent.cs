using System;
using TcpLb.Engine.Balancing;

namespace TcpLbModule.Jobs
{
    /// <summary>A balancer set down or back up (Set-TcpBalancerOutage), written to its job's output (Receive-Job).</summary>
    public sealed class TcpBalancerOutageEvent
    {
        internal TcpBalancerOutageEvent(string balancer, OutageChangedEventArgs change)
        {
            Time = change.Time;
            Balancer = balancer;
            PreviousOutage = change.Previous;
            Outage = change.Current;
        }

        public DateTimeOffset Time { get; }

        /// <summary>The balancer job's name.</summary>
        public string Balancer { get; }

        public BalancerOutage PreviousOutage { get; }

        /// <summary>None when the balancer is back up.</summary>
        public BalancerOutage Outage { get; }

        public override string ToString() => Outage == BalancerOutage.None ? $"balancer up again (the {PreviousOutage} outage ended)" : $"balancer down: {Outage} (was {PreviousOutage})";
    }
}
