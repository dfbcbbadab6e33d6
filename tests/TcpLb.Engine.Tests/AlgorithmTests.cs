using System.Linq;
using System.Threading.Tasks;
using TcpLb.Engine.Backends;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Probing;

namespace TcpLb.Engine.Tests
{
    /// <summary>The algorithms through a running balancer: options, runtime switches, backups.</summary>
    public class AlgorithmTests
    {
        [Fact]
        public async Task Weighted_round_robin_from_the_options_then_first_after_SetAlgorithm()
        {
            await using var net = new TestNet();
            TcpTestBackend a = net.Backend(), b = net.Backend(), c = net.Backend();
            TcpBalancer balancer = net.Balancer(o =>
            {
                o.Algorithm = BalancingAlgorithm.WeightedRoundRobin;
                o.Backends[0] = new BackendDefinition(o.Backends[0].Address, weight: 5);
            }, a.Port, b.Port, c.Port);

            var weighted = await TestNet.ProbeAsync(balancer.Port, 7);
            balancer.SetAlgorithm(BalancingAlgorithm.First);
            var first = await TestNet.ProbeAsync(balancer.Port, 3);

            Assert.Equal(new[] { a.Port, a.Port, b.Port, a.Port, c.Port, a.Port, a.Port }, weighted.Select(r => r.Backend!.Value));
            Assert.All(first, r => Assert.Equal(a.Port, r.Backend));
            Assert.Equal(BalancingAlgorithm.First, balancer.CurrentConfiguration().Algorithm);
        }

        [Fact]
        public async Task Backups_serve_only_while_no_primary_is_available_and_are_counted()
        {
            await using var net = new TestNet();
            TcpTestBackend primary = net.Backend(), backup = net.Backend();
            TcpBalancer balancer = net.Balancer(o => o.Backends[1] = new BackendDefinition(o.Backends[1].Address, backup: true), primary.Port, backup.Port);

            var before = await TestNet.ProbeAsync(balancer.Port, 4);
            balancer.DisableBackend(balancer.Backends[0].Address, drain: false);
            var during = await TestNet.ProbeAsync(balancer.Port, 3);
            balancer.EnableBackend(balancer.Backends[0].Address);
            var after = await TestNet.ProbeAsync(balancer.Port, 2);

            Assert.All(before.Concat(after), r => Assert.Equal(primary.Port, r.Backend));
            Assert.All(during, r => Assert.Equal(backup.Port, r.Backend));
            Assert.Equal(3, balancer.Statistics.SentToBackup);
            Assert.Equal(3, balancer.Backends[1].TotalConnections);
        }

        [Fact]
        public void An_unknown_algorithm_is_refused()
        {
            var options = new TcpBalancerOptions { Port = 0, Algorithm = (BalancingAlgorithm)99 };
            options.Backends.Add(BackendDefinition.Parse("127.0.0.1:9"));
            var error = Assert.Throws<System.ArgumentOutOfRangeException>(() => new TcpBalancer(options));
            Assert.Contains("RoundRobin, WeightedRoundRobin, LeastConnections", error.Message);
        }

        [Fact]
        public async Task Source_hash_keeps_one_client_address_on_one_backend()
        {
            await using var net = new TestNet();
            TcpTestBackend a = net.Backend(), b = net.Backend(), c = net.Backend();
            TcpBalancer balancer = net.Balancer(o => o.Algorithm = BalancingAlgorithm.SourceHash, a.Port, b.Port, c.Port);

            var results = await TestNet.ProbeAsync(balancer.Port, 12);

            Assert.All(results, r => Assert.Equal(TcpProbeStatus.Success, r.Status));
            Assert.Single(results.Select(r => r.Backend).Distinct());
        }
    }
}
