using System.Threading;

namespace TcpLb.Engine.Balancing
{
    /// <summary>A count of slots in use under a limit, taken without a lock (the balancer's MaxConnections, a backend's).</summary>
    internal static class SlotCounter
    {
        /// <summary>Takes a slot: false when <paramref name="count"/> has reached <paramref name="limit"/> (0: no limit, always taken).</summary>
        public static bool TryTake(ref int count, int limit)
        {
            if (limit == 0)
            {
                Interlocked.Increment(ref count);
                return true;
            }
            int current;
            do
            {
                current = Volatile.Read(ref count);
                if (current >= limit)
                {
                    return false;
                }
            }
            while (Interlocked.CompareExchange(ref count, current + 1, current) != current);
            return true;
        }
    }
}
