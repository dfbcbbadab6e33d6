using System.Threading;
using TcpLb.Engine.Proxying;

namespace TcpLb.Engine.Balancing
{
    /// <summary>A balancer's live totals: fixed-size counters, whatever the traffic.</summary>
    public sealed class BalancerStatistics
    {
        private long _accepted;
        private long _failed;

        /// <summary>Client connections accepted.</summary>
        public long Accepted => Volatile.Read(ref _accepted);

        /// <summary>Client connections that could not be proxied (no backend connection).</summary>
        public long Failed => Volatile.Read(ref _failed);

        public TrafficCounter BytesFromClients { get; } = new TrafficCounter();

        public TrafficCounter BytesFromBackends { get; } = new TrafficCounter();

        internal void OnAccepted() => Interlocked.Increment(ref _accepted);

        internal void OnFailed() => Interlocked.Increment(ref _failed);
    }
}
