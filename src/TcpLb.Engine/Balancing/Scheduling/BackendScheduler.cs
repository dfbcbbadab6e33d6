using System.Threading;

namespace TcpLb.Engine.Balancing.Scheduling
{
    /// <summary>
    /// Picks the backend for a new connection. Every algorithm picks among the primaries that are
    /// Up, below their connection limit and not yet tried for the connection, and only when there is
    /// none among the backups, the same way. Picks take no lock and allocate nothing: what an
    /// algorithm precomputes (the primary/backup split, a weighted sequence) is rebuilt, and swapped
    /// in, only when the pool or a weight changes.
    /// </summary>
    internal abstract class BackendScheduler
    {
        private PoolTiers? _tiers;

        /// <summary>Whether picks need <see cref="PickRequest.ClientHash"/> (computing it costs the balancer a little per connection).</summary>
        public virtual bool UsesClientAddress => false;

        /// <summary>A backend to try, or null when none is available.</summary>
        public Backend? Pick(Backend[] pool, in PickRequest request)
        {
            PoolTiers? tiers = Volatile.Read(ref _tiers);
            if (tiers == null || !ReferenceEquals(tiers.Pool, pool))
            {
                tiers = new PoolTiers(pool);
                Volatile.Write(ref _tiers, tiers);
            }
            Backend? picked = tiers.Primaries.Length == 0 ? null : PickFrom(tiers.Primaries, Tier.Primary, request);
            if (picked == null && tiers.Backups.Length != 0)
            {
                picked = PickFrom(tiers.Backups, Tier.Backup, request);
            }
            return picked;
        }

        public static BackendScheduler Create(BalancingAlgorithm algorithm)
        {
            switch (algorithm)
            {
                case BalancingAlgorithm.WeightedRoundRobin: return new WeightedRoundRobinScheduler();
                case BalancingAlgorithm.LeastConnections: return new LeastConnectionsScheduler();
                case BalancingAlgorithm.PowerOfTwoChoices: return new PowerOfTwoChoicesScheduler();
                case BalancingAlgorithm.SourceHash: return new SourceHashScheduler();
                case BalancingAlgorithm.Random: return new RandomScheduler();
                case BalancingAlgorithm.First: return new FirstScheduler();
                default: return new RoundRobinScheduler();
            }
        }

        /// <summary>Picks among <paramref name="backends"/> (one tier, non-empty), honouring <see cref="PickRequest.IsCandidate"/>.</summary>
        protected abstract Backend? PickFrom(Backend[] backends, Tier tier, in PickRequest request);

        /// <summary>
        /// For the algorithms that go through a fixed order (round robin, its weighted sequence): a
        /// backend still ramping up after slow start takes only its share of the turns that land on it.
        /// </summary>
        protected static bool PassesSlowStart(Backend backend)
        {
            double factor = backend.SlowStartFactor();
            return factor >= 1 || FastRandom.NextDouble() < factor;
        }

        protected enum Tier
        {
            Primary = 0,
            Backup = 1,
        }
    }
}
