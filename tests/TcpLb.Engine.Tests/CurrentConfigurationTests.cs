using System;
using TcpLb.Engine.Balancing;
using Xunit;

namespace TcpLb.Engine.Tests
{
    public class CurrentConfigurationTests
    {
        [Fact]
        public void Reports_runtime_changes_and_is_a_copy()
        {
            var options = new TcpBalancerOptions { Port = 0, BackendMaxConnections = 7, IdleTimeout = TimeSpan.FromSeconds(9) };
            options.Backends.Add(BackendDefinition.Parse("127.0.0.1:9001;weight=2"));
            options.Backends.Add(BackendDefinition.Parse("127.0.0.1:9002;backup;max_connections=3"));
            options.HealthCheck.Rise = 4;
            using var balancer = new TcpBalancer(options);

            balancer.SetAlgorithm(BalancingAlgorithm.LeastConnections);
            Assert.True(balancer.SetWeight(new BackendAddress("127.0.0.1", 9001), 5));
            Assert.False(balancer.SetWeight(new BackendAddress("127.0.0.1", 9003), 5));
            TcpBalancerOptions current = balancer.CurrentConfiguration();

            Assert.Equal(BalancingAlgorithm.LeastConnections, current.Algorithm);
            Assert.Equal(new[] { "127.0.0.1:9001;weight=5", "127.0.0.1:9002;backup;max_connections=3" }, new[] { current.Backends[0].ToString(), current.Backends[1].ToString() });
            Assert.Equal(TimeSpan.FromSeconds(9), current.IdleTimeout);
            Assert.Equal(4, current.HealthCheck.Rise);
            current.HealthCheck.Rise = 9;
            current.Backends.Clear();
            Assert.Equal(4, balancer.Options.HealthCheck.Rise);
            Assert.Equal(2, balancer.Backends.Count);
            Assert.Throws<ArgumentOutOfRangeException>(() => balancer.SetWeight(new BackendAddress("127.0.0.1", 9001), 0));
        }
    }
}
