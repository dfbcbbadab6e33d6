using TcpLb.Engine.Net;
using TcpLb.Engine.Net.EventLoop;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// Which transport a balancer runs on: the option, overridden by TCPLB_TRANSPORT; Auto is the
    /// loop where the loop exists (Linux x64 and arm64); TLS and systems without the loop take the
    /// stream path. A TCPLB_TRANSPORT that names no transport is an error whatever else decides.
    /// </summary>
    internal static class TransportChoice
    {
        public const string EnvironmentVariable = "TCPLB_TRANSPORT";

        internal static readonly EnvironmentChoice<BalancerTransport> Choice = new EnvironmentChoice<BalancerTransport>(
            EnvironmentVariable,
            "a transport",
            ("loop", BalancerTransport.Loop),
            ("stream", BalancerTransport.Stream));

        /// <summary>Whether the balancer takes the loop; throws <see cref="EnvironmentValueException"/> when TCPLB_TRANSPORT names no transport.</summary>
        public static bool UsesLoop(TcpBalancerOptions options)
        {
            BalancerTransport? forced = Choice.Read();
            if (options.Tls != null || options.BackendTls != null || !LinuxNative.IsSupported)
            {
                return false;
            }
            BalancerTransport transport = forced ?? options.Transport;
            // Auto: the loop (the whole suite passes on both transports, docs/design/event-loop.md).
            return transport != BalancerTransport.Stream;
        }
    }
}
