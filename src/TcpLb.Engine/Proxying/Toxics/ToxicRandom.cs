using System;
using System.Threading;

namespace TcpLb.Engine.Proxying.Toxics
{
    /// <summary>A random source per thread, for toxicity, jitter and slice sizes: no lock on the data path.</summary>
    internal static class ToxicRandom
    {
        [ThreadStatic]
        private static Random? t_random;
        private static int s_seed = Environment.TickCount;

        private static Random Random => t_random ??= new Random(Interlocked.Increment(ref s_seed));

        /// <summary>Uniform in [0, 1).</summary>
        public static double NextDouble() => Random.NextDouble();

        /// <summary>Uniform in [min, max] (inclusive).</summary>
        public static int Next(int min, int max) => Random.Next(min, max + 1);
    }
}
