using System;
using TcpLb.Engine.Balancing;

namespace TcpLbModule.Jobs
{
    /// <summary>A backend state change, written to the balancer job's output (Receive-Job).</summary>
    public sealed class TcpBalancerEvent
    {
        internal TcpBalancerEvent(string balancer, BackendStateChangedEventArgs change)
        {
            Time = change.Time;
            Balancer = balancer;
            Backend = change.Backend.Address.ToString();
            PreviousState = change.Previous?.ToString();
            State = change.Current.ToString();
            Reason = change.Reason;
        }

        public DateTimeOffset Time { get; }

        /// <summary>The balancer job's name.</summary>
        public string Balancer { get; }

        /// <summary>The backend, as host:port.</summary>
        public string Backend { get; }

        /// <summary>Null when the backend has just been added.</summary>
        public string? PreviousState { get; }

        public string State { get; }

        public string Reason { get; }

        public override string ToString() => $"{Backend} {(PreviousState != null ? PreviousState + " -> " : "added as ")}{State}: {Reason}";
    }
}
