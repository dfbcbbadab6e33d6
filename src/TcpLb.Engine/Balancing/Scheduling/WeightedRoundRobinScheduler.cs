using System.Threading;

namespace TcpLb.Engine.Balancing.Scheduling
{
    /// <summary>
    /// Smooth weighted round robin, as nginx does it: weights 5,1,1 give a a b a c a a, spreading
    /// a heavy backend's turns instead of sending them in a row. The sequence for one period (the
    /// sum of the weights over their greatest common divisor) is computed when the pool or a
    /// weight changes; a pick is then an interlocked increment into it, passing over entries that
    /// are not candidates (so a Down backend's share goes to the others in proportion).
    /// </summary>
    internal sealed class WeightedRoundRobinScheduler : BackendScheduler
    {
        private readonly WeightedSequence?[] _sequences = new WeightedSequence?[2];

        protected override Backend? PickFrom(Backend[] backends, Tier tier, in PickRequest request)
        {
            WeightedSequence? sequence = Volatile.Read(ref _sequences[(int)tier]);
            int weightVersion = Backend.WeightVersion;
            if (sequence == null || !ReferenceEquals(sequence.Backends, backends) || sequence.WeightVersion != weightVersion)
            {
                sequence = new WeightedSequence(backends, weightVersion);
                Volatile.Write(ref _sequences[(int)tier], sequence);
            }
            Backend[] order = sequence.Order;
            Backend? heldBack = null;
            for (int i = 0; i < order.Length; i++)
            {
                Backend candidate = order[sequence.NextTurn() % (uint)order.Length];
                if (request.IsCandidate(candidate))
                {
                    if (PassesSlowStart(candidate))
                    {
                        return candidate;
                    }
                    heldBack ??= candidate;
                }
            }
            return heldBack;
        }

        /// <summary>One period of the smooth weighted sequence for a tier, and the turn counter into it.</summary>
        private sealed class WeightedSequence
        {
            private int _next = -1;

            public WeightedSequence(Backend[] backends, int weightVersion)
            {
                Backends = backends;
                WeightVersion = weightVersion;
                Order = Build(backends);
            }

            public Backend[] Backends { get; }

            public int WeightVersion { get; }

            public Backend[] Order { get; }

            public uint NextTurn() => unchecked((uint)Interlocked.Increment(ref _next));

            /// <summary>nginx's smooth weighted round robin, run for one period.</summary>
            internal static Backend[] Build(Backend[] backends)
            {
                var weights = new int[backends.Length];
                int divisor = 0;
                for (int i = 0; i < backends.Length; i++)
                {
                    weights[i] = backends[i].Weight;
                    divisor = Gcd(divisor, weights[i]);
                }
                int total = 0;
                for (int i = 0; i < weights.Length; i++)
                {
                    weights[i] /= divisor;
                    total += weights[i];
                }
                var current = new int[backends.Length];
                var order = new Backend[total];
                for (int turn = 0; turn < total; turn++)
                {
                    int best = 0;
                    for (int i = 0; i < weights.Length; i++)
                    {
                        current[i] += weights[i];
                        if (current[i] > current[best])
                        {
                            best = i;
                        }
                    }
                    current[best] -= total;
                    order[turn] = backends[best];
                }
                return order;
            }

            private static int Gcd(int a, int b)
            {
                while (b != 0)
                {
                    (a, b) = (b, a % b);
                }
                return a;
            }
        }
    }
}
