using System;
using System.Threading;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// Lets a repeated warning through the first time and then at most once per interval, so a
    /// problem that recurs on every connection writes a few warnings, not one per connection.
    /// </summary>
    internal sealed class WarningGate
    {
        private readonly int _intervalMilliseconds;
        private int _lastPassed;
        private int _everPassed;

        public WarningGate(TimeSpan interval) => _intervalMilliseconds = (int)interval.TotalMilliseconds;

        public bool TryPass()
        {
            int now = Environment.TickCount;
            if (Interlocked.Exchange(ref _everPassed, 1) == 0)
            {
                Volatile.Write(ref _lastPassed, now);
                return true;
            }
            int last = Volatile.Read(ref _lastPassed);
            return unchecked(now - last) >= _intervalMilliseconds && Interlocked.CompareExchange(ref _lastPassed, now, last) == last;
        }
    }
}
