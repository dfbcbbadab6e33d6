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
            PreviousOutage = change.Previous.ToString();
            Outage = change.Current.ToString();
        }

        public DateTimeOffset Time { get; }

        /// <summary>The balancer job's name.</summary>
        public string Balancer { get; }

        public string PreviousOutage { get; }

        /// <summary>None when the balancer is back up.</summary>
        public string Outage { get; }

        public override string ToString() => Outage == nameof(BalancerOutage.None) ? $"balancer up again (the {PreviousOutage} outage ended)" : $"balancer down: {Outage} (was {PreviousOutage})";
    }
}
