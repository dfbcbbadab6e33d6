using System;
using TcpLb.Engine.Net.EventLoop;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// Which transport a balancer runs on: the option, overridden by TCPLB_TRANSPORT; Auto is the
    /// loop where the loop exists (Linux x64 and arm64); TLS and systems without the loop take the
    /// stream path.
    /// </summary>
    internal static class TransportChoice
    {
        public const string EnvironmentVariable = "TCPLB_TRANSPORT";

        public static bool UsesLoop(TcpBalancerOptions options)
        {
            if (options.Tls != null || options.BackendTls != null || !LinuxNative.IsSupported)
            {
                return false;
            }
            BalancerTransport transport = Forced() ?? options.Transport;
            // Auto: the loop (the whole suite passes on both transports, docs/design/event-loop.md).
            return transport != BalancerTransport.Stream;
        }

        private static BalancerTransport? Forced()
        {
            string? forced = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (string.Equals(forced, "loop", StringComparison.OrdinalIgnoreCase))
            {
                return BalancerTransport.Loop;
            }
            return string.Equals(forced, "stream", StringComparison.OrdinalIgnoreCase) ? BalancerTransport.Stream : (BalancerTransport?)null;
        }
    }
}
