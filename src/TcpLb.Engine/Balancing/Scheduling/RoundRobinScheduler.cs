using System.Threading;

namespace TcpLb.Engine.Balancing.Scheduling
{
    /// <summary>
    /// Picks backends in turn, per connection, in pool order, passing over those that are not
    /// candidates. Weights are not used. Lock-free: a pick is an interlocked increment and array reads.
    /// </summary>
    internal sealed class RoundRobinScheduler : BackendScheduler
    {
        private readonly int[] _next = { -1, -1 };

        protected override Backend? PickFrom(Backend[] backends, Tier tier, in PickRequest request)
        {
            int count = backends.Length;
            Backend? heldBack = null;
            for (int i = 0; i < count; i++)
            {
                uint turn = unchecked((uint)Interlocked.Increment(ref _next[(int)tier]));
                Backend candidate = backends[turn % (uint)count];
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
    }
}
