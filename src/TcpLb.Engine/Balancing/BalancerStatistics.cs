using System.Threading;
using TcpLb.Engine.Proxying;

namespace TcpLb.Engine.Balancing
{
    /// <summary>A balancer's live totals: fixed-size counters, whatever the traffic.</summary>
    public sealed class BalancerStatistics
    {
        private long _accepted;
        private long _served;
        private long _failed;
        private long _retried;
        private long _rejected;
        private long _redispatched;
        private long _loopsCut;
        private long _sentToBackup;
        private long _denied;
        private long _badProxyHeaders;
        private long _abandonedInQueue;
        private long _toxicConnections;

        /// <summary>Client connections accepted.</summary>
        public long Accepted => Volatile.Read(ref _accepted);

        /// <summary>
        /// Client connections relayed to a backend to their end, whatever ended them (the client,
        /// the backend's close or a reset after its first byte, an idle or FIN timeout, a stop):
        /// counted when they are over, once, for the backend that finally served it, so Served is
        /// the sum of the backends' <see cref="Backend.TotalConnections"/> (of those still in the pool).
        /// </summary>
        public long Served => Volatile.Read(ref _served);

        /// <summary>
        /// Client connections that were not served: no backend up, every attempt failed, the
        /// backend reset the connection, or left it unanswered past the response timeout, before
        /// its first byte and the connection was not redispatched, or the balancer itself
        /// failed (out of file descriptors, say), or the client's PROXY header was missing or malformed
        /// (also counted in <see cref="BadProxyHeaders"/>), or the client reset while it was queued
        /// (also counted in <see cref="AbandonedInQueue"/>). Every accepted client ends up served (proxied to
        /// a backend), Failed, Rejected or LoopsCut: exactly one of them, so once the connections are
        /// over Accepted = Served + Failed + Rejected + Denied + LoopsCut.
        /// </summary>
        public long Failed => Volatile.Read(ref _failed);

        /// <summary>Connects that failed and were tried again on another backend.</summary>
        public long Retried => Volatile.Read(ref _retried);

        /// <summary>
        /// Connections moved to another backend, their bytes replayed, because their backend ended
        /// them before its first byte in a way <see cref="TcpBalancerOptions.RetryOn"/> names.
        /// </summary>
        public long Redispatched => Volatile.Read(ref _redispatched);

        /// <summary>
        /// Client connections refused by a connection limit: queue full or queue timeout, or a
        /// per-source limit (connections or rate; see the balancer's <see cref="TcpBalancer.Access"/> for the breakdown).
        /// </summary>
        public long Rejected => Volatile.Read(ref _rejected);

        /// <summary>Accepted connections closed at once because they came from the balancer's own outgoing connection (a loop).</summary>
        public long LoopsCut => Volatile.Read(ref _loopsCut);

        /// <summary>Connections sent to a backup backend (no primary was available for them).</summary>
        public long SentToBackup => Volatile.Read(ref _sentToBackup);

        /// <summary>Client connections reset at accept by an access rule (-AllowFrom, -DenyFrom).</summary>
        public long Denied => Volatile.Read(ref _denied);

        /// <summary>
        /// Client connections reset because their PROXY protocol header (AcceptProxyProtocol) was
        /// missing, malformed or not complete within the header timeout; also counted in <see cref="Failed"/>.
        /// </summary>
        public long BadProxyHeaders => Volatile.Read(ref _badProxyHeaders);

        /// <summary>
        /// Client connections that reset while they waited in a queue for a slot (MaxConnections,
        /// a backend's MaxConnections): dropped when their turn came, before any backend was
        /// touched; also counted in <see cref="Failed"/>. A client that only half-closed while it
        /// waited is served.
        /// </summary>
        public long AbandonedInQueue => Volatile.Read(ref _abandonedInQueue);

        /// <summary>Client connections that one or more toxics applied to.</summary>
        public long ToxicConnections => Volatile.Read(ref _toxicConnections);

        public TrafficCounter BytesFromClients { get; } = new TrafficCounter();

        public TrafficCounter BytesFromBackends { get; } = new TrafficCounter();

        internal void OnAccepted() => Interlocked.Increment(ref _accepted);

        internal void OnServed() => Interlocked.Increment(ref _served);

        internal void OnFailed() => Interlocked.Increment(ref _failed);

        internal void OnRetried() => Interlocked.Increment(ref _retried);

        internal void OnRedispatched() => Interlocked.Increment(ref _redispatched);

        internal void OnRejected() => Interlocked.Increment(ref _rejected);

        internal void OnSentToBackup() => Interlocked.Increment(ref _sentToBackup);

        internal void OnDenied() => Interlocked.Increment(ref _denied);

        internal void OnBadProxyHeader()
        {
            Interlocked.Increment(ref _badProxyHeaders);
            Interlocked.Increment(ref _failed);
        }

        internal void OnAbandonedInQueue()
        {
            Interlocked.Increment(ref _abandonedInQueue);
            Interlocked.Increment(ref _failed);
        }

        internal void OnToxicApplied() => Interlocked.Increment(ref _toxicConnections);

        internal long OnLoopCut() => Interlocked.Increment(ref _loopsCut);
    }
}
