using System.Diagnostics;

namespace TcpLbModule.Jobs
{
    /// <summary>
    /// Lets at most a fixed number of trace lines through per second, so a storm of failing
    /// connections cannot flood a job's streams; the lines held back are counted, and the next
    /// line that passes says how many.
    /// </summary>
    internal sealed class TraceRateGate
    {
        private readonly object _lock = new object();
        private readonly int _perSecond;
        private long _windowStart = long.MinValue;
        private int _passed;
        private long _suppressed;

        public TraceRateGate(int perSecond) => _perSecond = perSecond;

        /// <summary>True when a line may pass now; <paramref name="suppressedBefore"/> is how many were held back since the last one that passed.</summary>
        public bool TryPass(out long suppressedBefore)
        {
            long now = Stopwatch.GetTimestamp();
            lock (_lock)
            {
                if (now - _windowStart >= Stopwatch.Frequency)
                {
                    _windowStart = now;
                    _passed = 0;
                }
                if (_passed >= _perSecond)
                {
                    _suppressed++;
                    suppressedBefore = 0;
                    return false;
                }
                _passed++;
                suppressedBefore = _suppressed;
                _suppressed = 0;
                return true;
            }
        }
    }
}
