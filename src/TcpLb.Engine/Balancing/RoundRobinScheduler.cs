using System.Threading;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// Picks backends in turn, per connection, in pool order, passing over those that are not
    /// Up or are full. Lock-free: a pick is an interlocked increment and array reads.
    /// </summary>
    public sealed class RoundRobinScheduler
    {
        private int _next = -1;

        /// <summary>
        /// The next available backend of <paramref name="backends"/> that is not among the first
        /// <paramref name="excludedCount"/> of <paramref name="excluded"/>; null when there is none.
        /// </summary>
        public Backend? Pick(Backend[] backends, Backend?[]? excluded = null, int excludedCount = 0)
        {
            int count = backends.Length;
            for (int i = 0; i < count; i++)
            {
                uint turn = unchecked((uint)Interlocked.Increment(ref _next));
                Backend candidate = backends[turn % (uint)count];
                if (candidate.IsAvailable && !Contains(excluded, excludedCount, candidate))
                {
                    return candidate;
                }
            }
            return null;
        }

        private static bool Contains(Backend?[]? items, int count, Backend candidate)
        {
            for (int i = 0; i < count; i++)
            {
                if (ReferenceEquals(items![i], candidate))
                {
                    return true;
                }
            }
            return false;
        }
    }
}
