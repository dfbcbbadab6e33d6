using System;
using System.Linq;
using TcpLb.Dashboard.Status;
using TcpLb.Engine.Balancing;

namespace TcpLb.Dashboard.Tests
{
    public sealed class StatusHistoryTests
    {
        [Fact]
        public void Samples_are_bounded_and_a_state_change_is_marked_once()
        {
            using var catalog = new OwnedBalancerCatalog();
            var options = new TcpBalancerOptions { Port = 0 };
            options.HealthCheck.Interval = TimeSpan.Zero;
            options.Backends.Add(new BackendAddress("127.0.0.1", 1));
            TcpBalancer balancer = catalog.Create("web", options).Balancer;
            using var history = new StatusHistory(catalog, TimeSpan.FromSeconds(1), length: 3);

            history.TakeSample();
            balancer.DisableBackend(new BackendAddress("127.0.0.1", 1), drain: false);
            for (int i = 0; i < 5; i++)
            {
                history.TakeSample();
            }

            history.Read(out StatusHistory.Sample[] samples, out StatusHistory.StateMark[] events);
            Assert.Equal(3, samples.Length);
            StatusHistory.StateMark mark = Assert.Single(events);
            Assert.Equal(("web", "127.0.0.1:1", BackendState.Up, BackendState.Disabled), (mark.Balancer, mark.Backend, mark.From, mark.To));
            Assert.All(samples, s => Assert.Equal(BackendState.Disabled, s.Points.Single().Value.State));
        }
    }
}
