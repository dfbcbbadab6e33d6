using System;

namespace TcpLb.Engine.Balancing
{
    /// <summary>A balancer was set down (refusing, holding or resetting its clients) or back up.</summary>
    public sealed class OutageChangedEventArgs : EventArgs
    {
        public OutageChangedEventArgs(BalancerOutage previous, BalancerOutage current)
        {
            Previous = previous;
            Current = current;
            Time = DateTimeOffset.Now;
        }

        public BalancerOutage Previous { get; }

        public BalancerOutage Current { get; }

        public DateTimeOffset Time { get; }

        public override string ToString() => Current == BalancerOutage.None ? $"outage {Previous} ended: balancing again" : $"outage: {Current} (was {Previous})";
    }
}
