using System.Threading;
using TcpLb.Engine.Proxying;

namespace TcpLb.Engine.Balancing
{
    /// <summary>A balancer's live totals: fixed-size counters, whatever the traffic.</summary>
    public sealed class BalancerStatistics
    {
        private long _accepted;
        private long _failed;
        private long _retried;
        private long _rejected;
        private long _redispatched;

        /// <summary>Client connections accepted.</summary>
        public long Accepted => Volatile.Read(ref _accepted);

        /// <summary>
        /// Client connections that were not served: no backend up, every attempt failed, or the
        /// backend reset, closed or left the connection unanswered past the response timeout before
        /// its first byte and the connection could not be redispatched.
        /// </summary>
        public long Failed => Volatile.Read(ref _failed);

        /// <summary>Connects that failed and were tried again on another backend.</summary>
        public long Retried => Volatile.Read(ref _retried);

        /// <summary>
        /// Connections moved to another backend, their bytes replayed, because their backend reset,
        /// closed or left them unanswered before its first byte.
        /// </summary>
        public long Redispatched => Volatile.Read(ref _redispatched);

        /// <summary>Client connections refused by a connection limit (queue full or queue timeout).</summary>
        public long Rejected => Volatile.Read(ref _rejected);

        public TrafficCounter BytesFromClients { get; } = new TrafficCounter();

        public TrafficCounter BytesFromBackends { get; } = new TrafficCounter();

        internal void OnAccepted() => Interlocked.Increment(ref _accepted);

        internal void OnFailed() => Interlocked.Increment(ref _failed);

        internal void OnRetried() => Interlocked.Increment(ref _retried);

        internal void OnRedispatched() => Interlocked.Increment(ref _redispatched);

        internal void OnRejected() => Interlocked.Increment(ref _rejected);
    }
}
