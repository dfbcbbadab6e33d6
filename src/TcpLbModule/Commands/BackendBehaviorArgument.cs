using System;
using TcpLb.Engine.Backends;

namespace TcpLbModule.Commands
{
    /// <summary>The ranges and units of the fault parameters of Start-TcpBackend and Set-TcpBackend.</summary>
    internal static class BackendBehaviorArgument
    {
        /// <summary>Largest -Latency and -Jitter, in milliseconds: one hour, <see cref="TcpBackendBehavior.MaxDelay"/>.</summary>
        public const int MaxDelay = 3_600_000;

        /// <summary>Largest -BandwidthKBps: 1 GiB/s.</summary>
        public const int MaxBandwidthKBps = 1_048_576;

        public static TimeSpan Delay(int milliseconds) => TimeSpan.FromMilliseconds(milliseconds);

        public static long BytesPerSecond(int kibibytesPerSecond) => kibibytesPerSecond * 1024L;
    }
}
