using System;

namespace TcpLb.Engine.Tests
{
    /// <summary>What a piece of code allocates on the calling thread.</summary>
    internal static class Allocations
    {
        /// <summary>
        /// Bytes this thread allocated over <paramref name="calls"/> calls of <paramref name="work"/>,
        /// in the quietest of 5 rounds: an allocation per call shows in every round, one of the
        /// runtime's own now and then does not (576 bytes once in a fresh-clone run; likely its tiering
        /// worker, started from this thread).
        /// </summary>
        public static long QuietestOf(int calls, Action work)
        {
            long quietest = long.MaxValue;
            for (int round = 0; round < 5 && quietest > 0; round++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < calls; i++)
                {
                    work();
                }
                quietest = Math.Min(quietest, GC.GetAllocatedBytesForCurrentThread() - before);
            }
            return quietest;
        }
    }
}
