using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Balancing.Scheduling;
using TcpLb.Engine.Net;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// The pick: a backend reserved for a connection by the scheduler in force over the pool as it
    /// is now, at once when one has a free slot, else after a wait in the backend queue (bounded
    /// by the queue timeout). Releasing a reservation lets one waiter look again.
    /// </summary>
    internal sealed class BackendPicker
    {
        private readonly BackendPool _pool;
        private readonly BalancerStatistics _statistics;
        private readonly ConnectionTracer _trace;
        private readonly SlotWaitQueue _slots;
        private volatile BackendScheduler _scheduler;

        public BackendPicker(BackendPool pool, BalancingAlgorithm algorithm, int queueLength, BalancerStatistics statistics, ConnectionTracer trace)
        {
            _pool = pool;
            _statistics = statistics;
            _trace = trace;
            _slots = new SlotWaitQueue(queueLength);
            _scheduler = BackendScheduler.Create(algorithm);
        }

        /// <summary>One reference write: each new connection uses the old scheduler or the new one, never a mix.</summary>
        public BackendScheduler Scheduler
        {
            get => _scheduler;
            set => _scheduler = value;
        }

        /// <summary>Connections waiting for a backend slot.</summary>
        public int Waiting => _slots.Waiting;

        public int QueueCapacity
        {
            set => _slots.Capacity = value;
        }

        /// <summary>A backend's limit or state changed: one waiter (<see cref="SignalOne"/>) or all of them look again.</summary>
        public void SignalOne() => _slots.SignalOne();

        public void SignalAll() => _slots.SignalAll();

        /// <summary>The client's address hashed for SourceHash (the one its PROXY header carries, else the socket's peer); 0 when the scheduler does not use it.</summary>
        public ulong ClientHash(Socket client, ProxyHeader? received)
            => _scheduler.UsesClientAddress ? HashOf(received?.Source?.Address ?? (client.RemoteEndPoint as IPEndPoint)?.Address) : 0;

        /// <summary>Whether the scheduler uses the client's address (SourceHash): when not, the loop path need not decode it.</summary>
        public bool UsesClientAddress => _scheduler.UsesClientAddress;

        /// <summary>As the other overload, for a client whose address is known already (the loop path).</summary>
        public ulong ClientHash(IPAddress? source) => _scheduler.UsesClientAddress ? HashOf(source) : 0;

        private static ulong HashOf(IPAddress? source) => source != null ? SourceHashScheduler.HashOf(source) : 0;

        public Backend? TryReserve(in PickRequest request)
        {
            Backend[] pool = _pool.Snapshot;
            BackendScheduler scheduler = _scheduler;
            for (int i = 0; i < pool.Length; i++)
            {
                Backend? candidate = scheduler.Pick(pool, request);
                if (candidate == null)
                {
                    return null;
                }
                if (candidate.TryReserve())
                {
                    return candidate;
                }
            }
            return null;
        }

        /// <summary>
        /// The slow path, when no backend could be reserved at once: null, counted in Failed, when
        /// none is up (or untried); otherwise waits in the queue for a slot, and is null, counted in
        /// Rejected, when it gets none. Null too, counted in Failed and AbandonedInQueue, when
        /// <paramref name="unread"/> (the client, while nothing reads it yet) reset while it waited.
        /// </summary>
        public async Task<Backend?> WaitAsync(PickRequest request, TracedClient client, bool unread, TimeSpan queueTimeout, CancellationToken stopping)
        {
            if (!AnyUpAndUntried(request.Excluded, request.ExcludedCount))
            {
                _statistics.OnFailed();
                _trace.NotServed(client, "no backend is up" + (request.ExcludedCount > 0 ? " that was not tried already" : string.Empty));
                return null;
            }
            Backend? reserved = null;
            bool got = await _slots.WaitForSlotAsync(
                () => (reserved = TryReserve(request)) != null,
                queueTimeout,
                stopping).ConfigureAwait(false);
            if (got)
            {
                if (!unread || !CountIfAbandoned(client))
                {
                    return reserved;
                }
                Release(reserved!);
                return null;
            }
            if (unread && CountIfAbandoned(client))
            {
                return null;
            }
            if (AnyUpAndUntried(request.Excluded, request.ExcludedCount))
            {
                _statistics.OnRejected();
                _trace.Refused(client, $"no backend slot within the queue timeout of {queueTimeout.TotalMilliseconds:0} ms");
            }
            else
            {
                _statistics.OnFailed();
                _trace.NotServed(client, "no backend is up any more");
            }
            return null;
        }

        /// <summary>
        /// A client that reset while it waited for a slot is not sent to a backend (HAProxy opens
        /// none either), and not counted Rejected when its wait ran out: counted in Failed and
        /// AbandonedInQueue; the caller resets it. A FIN alone is a half-close after the request,
        /// and the client is served.
        /// </summary>
        public bool CountIfAbandoned(TracedClient client)
        {
            if (!client.HasBeenReset)
            {
                return false;
            }
            _statistics.OnAbandonedInQueue();
            _trace.AbandonedInQueue(client);
            return true;
        }

        public bool AnyUpAndUntried(Backend?[]? tried, int triedCount)
        {
            foreach (Backend backend in _pool.Snapshot)
            {
                if (backend.IsUp && (tried == null || Array.IndexOf(tried, backend, 0, triedCount) < 0))
                {
                    return true;
                }
            }
            return false;
        }

        public void Release(Backend backend)
        {
            backend.Release();
            if (backend.MaxConnections > 0)
            {
                _slots.SignalOne();
            }
        }
    }
}
