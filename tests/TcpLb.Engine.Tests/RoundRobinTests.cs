using System.Linq;
using System.Threading.Tasks;
using TcpLb.Engine.Backends;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Balancing.Scheduling;
using TcpLb.Engine.Probing;

namespace TcpLb.Engine.Tests
{
    public class RoundRobinTests
    {
        /// <summary>The transport these tests run on; a subclass in OnLoopTransportTests.cs runs them on the event loop.</summary>
        protected virtual BalancerTransport Transport => BalancerTransport.Stream;

        [Fact]
        public async Task Connections_rotate_through_backends_in_the_order_given()
        {
            await using var net = new TestNet(Transport);
            TcpTestBackend b1 = net.Backend(), b2 = net.Backend(), b3 = net.Backend();
            TcpBalancer balancer = net.Balancer(b1.Port, b2.Port, b3.Port);

            var results = await TestNet.ProbeAsync(balancer.Port, 10);

            int[] expected = { b1.Port, b2.Port, b3.Port, b1.Port, b2.Port, b3.Port, b1.Port, b2.Port, b3.Port, b1.Port };
            Assert.Equal(Enumerable.Range(1, 10), results.Select(r => r.Sequence));
            Assert.All(results, r => Assert.Equal(TcpProbeStatus.Success, r.Status));
            Assert.Equal(expected, results.Select(r => r.Backend!.Value));
            Assert.Equal(expected.Select(p => "Response from server running on port " + p), results.Select(r => r.Response));
            Assert.Equal(10, balancer.Statistics.Accepted);
            Assert.Equal(new long[] { 4, 3, 3 }, balancer.Backends.Select(b => b.TotalConnections));
        }

        [Fact]
        public void Scheduler_picks_in_turn_and_wraps()
        {
            var backends = new[] { "127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3" }
                .Select(a => new Backend(BackendAddress.Parse(a))).ToArray();
            var scheduler = new RoundRobinScheduler();

            var picks = Enumerable.Range(0, 7).Select(_ => scheduler.Pick(backends, default)!.Address.Port).ToArray();

            Assert.Equal(new[] { 1, 2, 3, 1, 2, 3, 1 }, picks);
        }

        [Fact]
        public async Task Scheduler_is_fair_under_concurrent_picks()
        {
            var backends = Enumerable.Range(1, 3).Select(p => new Backend(new BackendAddress("127.0.0.1", p))).ToArray();
            var scheduler = new RoundRobinScheduler();
            var counts = new int[4];

            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
            {
                for (int i = 0; i < 30_000; i++)
                {
                    System.Threading.Interlocked.Increment(ref counts[scheduler.Pick(backends, default)!.Address.Port]);
                }
            })));

            Assert.Equal(new[] { 40_000, 40_000, 40_000 }, counts.Skip(1));
        }
    }
}
