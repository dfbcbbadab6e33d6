using System.Diagnostics;
using System.Threading;

namespace TcpLb.Engine.Net
{
    /// <summary>
    /// Milliseconds since process start, read from a field that a timer refreshes a few times a
    /// second: cheap enough to stamp on every read of the data path, precise enough for idle
    /// timeouts measured in seconds.
    /// </summary>
    internal static class CoarseClock
    {
        private const int ResolutionMs = 250;
        private static readonly Stopwatch Elapsed = Stopwatch.StartNew();
        private static long _now;
        private static Timer? _timer;

        public static long NowMs
        {
            get
            {
                if (_timer == null)
                {
                    Start();
                }
                return Volatile.Read(ref _now);
            }
        }

        /// <summary>The precise time, for the timers that compare against stamps.</summary>
        public static long PreciseMs => Elapsed.ElapsedMilliseconds;

        private static void Start()
        {
            var timer = new Timer(_ => Volatile.Write(ref _now, Elapsed.ElapsedMilliseconds), null, Timeout.Infinite, Timeout.Infinite);
            if (Interlocked.CompareExchange(ref _timer, timer, null) == null)
            {
                Volatile.Write(ref _now, Elapsed.ElapsedMilliseconds);
                timer.Change(ResolutionMs, ResolutionMs);
            }
            else
            {
                timer.Dispose();
            }
        }
    }
}
