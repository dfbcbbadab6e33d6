namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>
    /// What Linux's scheduler says of a thread of this process: how long it has run on a CPU, read
    /// from the thread's CPU clock (<c>clock_gettime</c>; the figure /proc/self/task/TID/schedstat
    /// starts with, without opening a file or allocating: <see cref="LoopPacker"/> reads it for
    /// every loop four times a second, and steady-state proxying allocates nothing). A thread that
    /// no longer exists, or a clock that cannot be read, reads as false.
    /// </summary>
    internal static unsafe class SchedulerFigures
    {
        /// <summary>Nanoseconds thread <paramref name="threadId"/> of this process has run on a CPU since it started.</summary>
        public static bool TryReadThread(int threadId, out long runNanoseconds)
        {
            long* timespec = stackalloc long[2];
            if (threadId <= 0 || threadId > LinuxNative.MaxThreadId || LinuxNative.clock_gettime(LinuxNative.ThreadCpuClock(threadId), timespec) != 0)
            {
                runNanoseconds = 0;
                return false;
            }
            runNanoseconds = timespec[0] * 1_000_000_000L + timespec[1];
            return true;
        }
    }
}
