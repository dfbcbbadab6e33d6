using System;
using System.Threading;

namespace TcpLb.Engine.Balancing.Scheduling
{
    /// <summary>
    /// A per-thread xorshift64* generator: no lock, no allocation, good enough to spread
    /// connections (not for anything secret).
    /// </summary>
    internal static class FastRandom
    {
        [ThreadStatic]
        private static ulong t_state;

        private static int s_seeds;

        /// <summary>Restarts the current thread's sequence (tests use a fixed seed for repeatable picks).</summary>
        public static void Seed(ulong seed) => t_state = seed == 0 ? 0x9E3779B97F4A7C15UL : seed;

        public static ulong Next()
        {
            ulong x = t_state;
            if (x == 0)
            {
                x = SourceHashScheduler.Mix(unchecked((ulong)Guid.NewGuid().GetHashCode() << 32 ^ (ulong)Interlocked.Increment(ref s_seeds))) | 1;
            }
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            t_state = x;
            return unchecked(x * 0x2545F4914F6CDD1DUL);
        }

        /// <summary>A number in [0, 1).</summary>
        public static double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));
    }
}
