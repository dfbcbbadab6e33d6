using System;

namespace TcpLb.Engine.Proxying.Toxics
{
    /// <summary>A toxic's TimeSpan as the loop's milliseconds: rounded up, so a delay is never shortened.</summary>
    internal static class ShaperTime
    {
        public static long Milliseconds(TimeSpan value) => value <= TimeSpan.Zero ? 0 : (long)Math.Ceiling(value.TotalMilliseconds);
    }
}
