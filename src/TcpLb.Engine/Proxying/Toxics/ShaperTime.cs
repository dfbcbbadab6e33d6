using System;

namespace TcpLb.Engine.Proxying.Toxics
{
    /// <summary>A toxic's times on the loop's clock, never shorter than asked.</summary>
    internal static class ShaperTime
    {
        /// <summary>A toxic's TimeSpan as the loop's milliseconds, rounded up.</summary>
        public static long Milliseconds(TimeSpan value) => value <= TimeSpan.Zero ? 0 : (long)Math.Ceiling(value.TotalMilliseconds);

        /// <summary>
        /// When a wait of <paramref name="delay"/> ms that starts at <paramref name="now"/> is over:
        /// one millisecond more, because the loop's clock counts whole milliseconds (truncated), so
        /// the moment may have come up to a millisecond after <paramref name="now"/>. No wait: now.
        /// </summary>
        public static long DueAt(long now, long delay) => delay > 0 ? now + delay + 1 : now;
    }
}
