using System;

namespace TcpLb.Engine.Balancing
{
    /// <summary>A toxic was added to a balancer, changed or removed.</summary>
    public sealed class ToxicChangedEventArgs : EventArgs
    {
        public ToxicChangedEventArgs(BalancerToxic toxic, string change)
        {
            Toxic = toxic;
            Change = change;
            Time = DateTimeOffset.Now;
        }

        public BalancerToxic Toxic { get; }

        /// <summary>"added", "changed" or "removed".</summary>
        public string Change { get; }

        public DateTimeOffset Time { get; }

        public override string ToString() => $"toxic {Toxic} {Change}";
    }
}
