using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading.Tasks;
using TcpLb.Configuration.Reload;
using TcpLb.Engine.Backends;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Probing;

namespace TcpLb.Configuration.Tests
{
    public class ReconfigurationPlanTests
    {
        private static TcpBalancerOptions Options(params string[] backends)
        {
            var options = new TcpBalancerOptions { Port = 9000 };
            foreach (string backend in backends)
            {
                options.Backends.Add(BackendDefinition.Parse(backend));
            }
            return options;
        }

        [Fact]
        public void Same_configuration_has_no_changes()
        {
            Assert.Empty(ReconfigurationPlan.Create(Options("9001", "9002;weight=2"), Options("9001", "9002;weight=2")).Changes);
        }

        [Fact]
        public void Lists_every_kind_of_change_in_the_order_it_is_applied()
        {
            TcpBalancerOptions current = Options("9001", "9002;weight=2", "9003", "9004;max_connections=5");
            TcpBalancerOptions desired = Options("9001;weight=4", "9002;weight=2;backup", "9004", "9005;weight=3");
            desired.Algorithm = BalancingAlgorithm.LeastConnections;
            desired.ConnectTimeout = TimeSpan.FromMilliseconds(500);
            desired.MaxConnections = 100;
            desired.HealthCheck.Rise = 5;
            desired.Replay = false;

            var lines = ReconfigurationPlan.Create(current, desired).Changes.Select(c => $"{c.Kind}: {c}").ToArray();

            Assert.Equal(new[]
            {
                "AlgorithmChanged: Algorithm RoundRobin -> LeastConnections",
                "SettingChanged: ConnectTimeout 2000 ms -> 500 ms",
                "SettingChanged: RetryOn ConnectFailure, Reset -> ConnectFailure",
                "SettingChanged: MaxConnections 0 (no limit) -> 100",
                "SettingChanged: Rise 2 -> 5",
                "WeightChanged: Backend 127.0.0.1:9001: Weight 1 -> 4",
                "BackendChanged: Backend 127.0.0.1:9002: Backup no -> yes",
                "BackendChanged: Backend 127.0.0.1:9004: MaxConnections 5 -> 0 (no limit)",
                "BackendAdded: Add backend 127.0.0.1:9005;weight=3",
                "BackendRemoved: Remove backend 127.0.0.1:9003 (open connections finish)",
            }, lines);
        }

        [Fact]
        public void A_backend_limit_compares_as_in_force()
        {
            TcpBalancerOptions current = Options("9001", "9002;max_connections=7");
            TcpBalancerOptions desired = Options("9001", "9002");
            desired.BackendMaxConnections = 7;

            var changes = ReconfigurationPlan.Create(current, desired).Changes;

            // 9002 had 7 of its own and now inherits 7: no change; 9001 inherits the new 7.
            Assert.Equal(new[] { "BackendMaxConnections 0 (no limit) -> 7", "Backend 127.0.0.1:9001: MaxConnections 0 (no limit) -> 7" }, changes.Select(c => c.ToString()));
        }

        [Fact]
        public void Listen_address_and_port_are_not_changeable_and_the_plan_is_refused()
        {
            TcpBalancerOptions desired = Options("9001");
            desired.Port = 9100;
            desired.ListenAddress = IPAddress.Any;

            var plan = ReconfigurationPlan.Create(Options("9001"), desired);

            Assert.Equal(new[] { "ListenAddress", "Port" }, plan.NotChangeable.Select(c => c.Setting));
            Assert.All(plan.Changes, c => Assert.Equal(BalancerChangeKind.NotChangeable, c.Kind));
            Assert.Equal("Port cannot change while the balancer runs (9000 -> 9100)", plan.NotChangeable[1].ToString());
            using var balancer = new TcpBalancer(Options("9001"));
            var e = Assert.Throws<InvalidOperationException>(() => plan.Apply(balancer));
            Assert.Contains("Port cannot change", e.Message);
        }

        [Fact]
        public void Access_rules_change_live_and_per_source_limits_proxy_settings_and_toxics_are_refused()
        {
            TcpBalancerOptions current = Options("9001");
            current.DenyFrom.Add("127.0.0.3");
            using var balancer = new TcpBalancer(current);
            TcpBalancerOptions desired = balancer.CurrentConfiguration();
            desired.DenyFrom.Clear();
            desired.AllowFrom.Add("127.0.0.0/8");

            ReconfigurationPlan plan = ReconfigurationPlan.Create(balancer.CurrentConfiguration(), desired);
            plan.Apply(balancer);

            Assert.Equal(new[] { "AllowFrom", "DenyFrom" }, plan.Changes.Select(c => c.Setting));
            Assert.Equal(new[] { "127.0.0.0/8" }, balancer.Access.Rules.AllowTexts());
            Assert.Empty(balancer.Access.Rules.DenyTexts());

            TcpBalancerOptions held = balancer.CurrentConfiguration();
            held.MaxConnectionsPerSource = 5;
            held.AcceptProxyProtocol = true;
            held.Toxics.Add(new BalancerToxic(new TcpLb.Engine.Proxying.Toxics.ToxicDefinition(TcpLb.Engine.Proxying.Toxics.ToxicType.Latency, latency: TimeSpan.FromMilliseconds(5))));
            ReconfigurationPlan refused = ReconfigurationPlan.Create(balancer.CurrentConfiguration(), held);

            Assert.Equal(new[] { "MaxConnectionsPerSource", "AcceptProxyProtocol", "Toxics" }, refused.NotChangeable.Select(c => c.Setting));
            Assert.Throws<InvalidOperationException>(() => refused.Apply(balancer));
            Assert.Equal(0, balancer.Options.MaxConnectionsPerSource);
            Assert.Empty(balancer.Toxics);
        }

        [Fact]
        public void The_transport_is_not_changeable_and_the_refusal_names_both_values()
        {
            TcpBalancerOptions desired = Options("9001");
            desired.Transport = BalancerTransport.Stream;

            var plan = ReconfigurationPlan.Create(Options("9001"), desired);

            Assert.Equal("Transport cannot change while the balancer runs (Auto -> Stream)", Assert.Single(plan.NotChangeable).ToString());
            using var balancer = new TcpBalancer(Options("9001"));
            var e = Assert.Throws<InvalidOperationException>(() => plan.Apply(balancer));
            Assert.Contains("Transport cannot change", e.Message);
        }

        [Fact]
        public void Port_zero_means_the_port_it_has()
        {
            TcpBalancerOptions desired = Options("9001");
            desired.Port = 0;

            Assert.Empty(ReconfigurationPlan.Create(Options("9001"), desired).Changes);
        }

        [Theory]
        [InlineData("Retries", "Retries must be 0 or more")]
        [InlineData("NoBackends", "No backends were given")]
        [InlineData("Twice", "is given more than once")]
        public void An_invalid_desired_configuration_is_an_error_naming_it(string what, string expected)
        {
            TcpBalancerOptions desired = what == "NoBackends" ? Options() : what == "Twice" ? Options("9001", "127.0.0.1:9001") : Options("9001");
            if (what == "Retries")
            {
                desired.Retries = -1;
            }

            var e = Assert.ThrowsAny<ArgumentException>(() => ReconfigurationPlan.Create(Options("9001"), desired));

            Assert.Contains(expected, e.Message);
        }

        [Fact]
        public async Task Applies_to_a_running_balancer_pool_settings_and_backends_in_place()
        {
            var backends = Enumerable.Range(0, 3).Select(_ => StartBackend()).ToArray();
            var options = new TcpBalancerOptions { Port = 0 };
            options.Backends.Add(new BackendAddress("127.0.0.1", backends[0].Port));
            options.Backends.Add(new BackendDefinition(new BackendAddress("127.0.0.1", backends[1].Port), maxConnections: 4));
            using var balancer = new TcpBalancer(options);
            balancer.Start();
            try
            {
                await ProbeAsync(balancer.Port, 2);
                TcpBalancerOptions desired = balancer.CurrentConfiguration();
                desired.Backends.Clear();
                desired.Backends.Add(new BackendDefinition(new BackendAddress("127.0.0.1", backends[1].Port), weight: 2, backup: true, maxConnections: 9));
                desired.Backends.Add(new BackendAddress("127.0.0.1", backends[2].Port));
                desired.Algorithm = BalancingAlgorithm.LeastConnections;
                desired.IdleTimeout = TimeSpan.FromSeconds(30);
                desired.MaxConnections = 50;
                desired.HealthCheck.Interval = TimeSpan.Zero;

                var plan = ReconfigurationPlan.Create(balancer.CurrentConfiguration(), desired);
                var applied = plan.Apply(balancer);

                Assert.Equal(plan.Changes, applied);
                TcpBalancerOptions now = balancer.CurrentConfiguration();
                Assert.Equal(new[] { $"127.0.0.1:{backends[1].Port};weight=2;backup;max_connections=9", $"127.0.0.1:{backends[2].Port}" }, now.Backends.Select(b => b.ToString()));
                Assert.Equal(BalancingAlgorithm.LeastConnections, now.Algorithm);
                Assert.Equal(TimeSpan.FromSeconds(30), now.IdleTimeout);
                Assert.Equal(50, now.MaxConnections);
                Assert.False(now.HealthCheck.Enabled);
                Assert.Equal(now.Port, balancer.Port);
                // The backend that stayed kept its counters: changed in place, not replaced.
                Assert.Equal(1, balancer.FindBackend(new BackendAddress("127.0.0.1", backends[1].Port))!.TotalConnections);
                Assert.Empty(ReconfigurationPlan.Create(balancer.CurrentConfiguration(), desired).Changes);
            }
            finally
            {
                await balancer.StopAsync();
                foreach (TcpTestBackend backend in backends)
                {
                    await backend.StopAsync();
                }
            }
        }

        [Fact]
        public void Declined_changes_are_not_applied()
        {
            using var balancer = new TcpBalancer(Options("9001", "9002"));
            balancer.Start();
            TcpBalancerOptions desired = Options("9001;weight=3;max_connections=2", "9003");
            desired.Port = 0;
            desired.Retries = 1;

            var applied = ReconfigurationPlan.Create(balancer.CurrentConfiguration(), desired)
                .Apply(balancer, c => c.Kind == BalancerChangeKind.BackendChanged || c.Kind == BalancerChangeKind.BackendAdded);

            Assert.Equal(new[] { BalancerChangeKind.BackendChanged, BalancerChangeKind.BackendAdded }, applied.Select(c => c.Kind));
            Assert.Equal(new[] { "127.0.0.1:9001;max_connections=2", "127.0.0.1:9002", "127.0.0.1:9003" }, balancer.CurrentConfiguration().Backends.Select(b => b.ToString()));
            Assert.Equal(3, balancer.Options.Retries);
        }

        internal static TcpTestBackend StartBackend()
        {
            var backend = new TcpTestBackend(new TcpTestBackendOptions { Port = 0 });
            backend.Start();
            return backend;
        }

        internal static async Task<List<TcpProbeResult>> ProbeAsync(int port, int count)
        {
            var results = new List<TcpProbeResult>();
            var options = new TcpProbeOptions { ComputerName = "127.0.0.1", Port = port, Count = count, Concurrency = 1 };
            await TcpProbe.RunAsync(options, r => { lock (results) { results.Add(r); } }).WaitAsync(TimeSpan.FromSeconds(30));
            return results.OrderBy(r => r.Sequence).ToList();
        }
    }
}
