using System;
using System.Linq;
using System.Threading.Tasks;
using TcpLb.Engine.Backends;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Net.EventLoop;
using TcpLb.Engine.Probing;
using Xunit.Abstractions;

namespace TcpLb.Engine.Tests.EventLoop
{
    /// <summary>
    /// What the balancer's loop threads allocate per proxied connection (accept, admission, pick,
    /// connect, relay, counts, close), read on each loop thread itself so that the test's own
    /// client and backends do not blur it. Issue 17's target: less than 1 KB per new connection.
    /// </summary>
    public class LoopBalancerAllocationTests
    {
        private readonly ITestOutputHelper _output;

        public LoopBalancerAllocationTests(ITestOutputHelper output) => _output = output;

        [Fact]
        public async Task A_new_connection_through_the_balancer_allocates_less_than_a_kilobyte_on_its_loop()
        {
            if (!LinuxNative.IsSupported)
            {
                return; // the loop transport exists on Linux only; elsewhere the balancer takes the stream path
            }
            await using var net = new TestNet(BalancerTransport.Loop);
            TcpTestBackend b1 = net.Backend(), b2 = net.Backend(), b3 = net.Backend();
            TcpBalancer balancer = net.Balancer(b1.Port, b2.Port, b3.Port);
            if (balancer.LoopTransport == null)
            {
                // Only TCPLB_TRANSPORT=stream (the suite's stream run) may keep this balancer off the loop.
                Assert.Equal("stream", Environment.GetEnvironmentVariable("TCPLB_TRANSPORT"), ignoreCase: true);
                return;
            }
            EpollLoop[] loops = balancer.LoopTransport.Loops;

            await ProbeAsync(balancer, 100); // warm up: JIT, pools, the loop guard's tables
            long start = await AllocatedOnLoopsAsync(loops);
            const int Connections = 400;
            await ProbeAsync(balancer, Connections);
            await WaitServedAsync(balancer, 100 + Connections);
            long end = await AllocatedOnLoopsAsync(loops);

            double perConnection = (end - start) / (double)Connections;
            _output.WriteLine($"loop threads: {perConnection:0} bytes per proxied connection ({loops.Length} loops)");
            Assert.InRange(perConnection, 0, 1024);
        }

        private static async Task ProbeAsync(TcpBalancer balancer, int count)
        {
            var results = await TestNet.ProbeAsync(balancer.Port, count, concurrency: 4);
            Assert.All(results, r => Assert.Equal(TcpProbeStatus.Success, r.Status));
        }

        /// <summary>Every probed connection counted Served, which the balancer does as it closes (its close is part of its cost).</summary>
        private static async Task WaitServedAsync(TcpBalancer balancer, int count)
        {
            var patience = System.Diagnostics.Stopwatch.StartNew();
            while (balancer.Statistics.Served < count)
            {
                Assert.True(patience.Elapsed < TestNet.Patience, "connections stayed open");
                await Task.Delay(10);
            }
        }

        private static async Task<long> AllocatedOnLoopsAsync(EpollLoop[] loops)
        {
            long[] each = await Task.WhenAll(loops.Select(loop => OnLoop<long>.RunAsync(loop, _ => GC.GetAllocatedBytesForCurrentThread())));
            return each.Sum();
        }
    }
}
