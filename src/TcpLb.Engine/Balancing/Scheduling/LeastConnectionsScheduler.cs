using System.Threading;

namespace TcpLb.Engine.Balancing.Scheduling
{
    /// <summary>
    /// The candidate with the fewest open connections per unit of weight, counting the new one
    /// ((active + 1) / weight, as HAProxy's leastconn, so a heavier backend wins a tie of empty
    /// backends). Ties go round robin: each pick starts its scan one backend further on.
    /// </summary>
    internal sealed class LeastConnectionsScheduler : BackendScheduler
    {
        private readonly int[] _start = { -1, -1 };

        protected override Backend? PickFrom(Backend[] backends, Tier tier, in PickRequest request)
        {
            uint start = unchecked((uint)Interlocked.Increment(ref _start[(int)tier]));
            int count = backends.Length;
            Backend? best = null;
            double bestLoad = 0;
            for (int i = 0; i < count; i++)
            {
                Backend candidate = backends[(int)((start + (uint)i) % (uint)count)];
                if (!request.IsCandidate(candidate))
                {
                    continue;
                }
                double load = Load(candidate);
                if (best == null || load < bestLoad)
                {
                    best = candidate;
                    bestLoad = load;
                }
            }
            return best;
        }

        /// <summary>Open connections, the new one included, per unit of (slow-start) weight.</summary>
        internal static double Load(Backend backend) => (backend.ActiveConnections + 1) / backend.EffectiveWeight;
    }
}
