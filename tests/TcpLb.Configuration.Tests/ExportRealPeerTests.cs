using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using TcpLb.Configuration.Export;
using TcpLb.Engine.Backends;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Probing;
using Xunit.Abstractions;

namespace TcpLb.Configuration.Tests
{
    /// <summary>
    /// The exported HAProxy and nginx configurations against the real programs: accepted by
    /// <c>haproxy -c</c> and <c>nginx -t</c>, and, started for real in front of test backends, they
    /// balance the same backends in the same order as the balancer does.
    /// </summary>
    public sealed class ExportRealPeerTests : IDisposable
    {
        private readonly ITestOutputHelper _log;
        private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tcplb-export-");

        public ExportRealPeerTests(ITestOutputHelper log) => _log = log;

        public void Dispose() => _dir.Delete(recursive: true);

        public static IEnumerable<object[]> Algorithms => Enum.GetValues(typeof(BalancingAlgorithm)).Cast<object>().Select(a => new[] { a });

        /// <summary>A pool with every backend setting, and every balancer setting away from its default.</summary>
        private static BalancerDefinition Rich(BalancingAlgorithm algorithm, int port)
        {
            var options = new TcpBalancerOptions
            {
                Port = port,
                Algorithm = algorithm,
                MaxConnections = 500,
                BackendMaxConnections = 50,
                SlowStart = TimeSpan.FromSeconds(10),
                IdleTimeout = System.Threading.Timeout.InfiniteTimeSpan,
                Retries = 2,
                MaxConnectionsPerSource = 20,
                ConnectionRatePerSource = TcpLb.Engine.Access.ConnectionRate.Parse("50/m"),
                AcceptProxyProtocol = true,
                ProxyHeaderTimeout = TimeSpan.FromSeconds(3),
                SendProxyProtocol = TcpLb.Engine.Net.ProxyProtocolVersion.V1,
            };
            options.AllowFrom.Add("127.0.0.0/8");
            options.AllowFrom.Add("::1");
            options.DenyFrom.Add("127.0.0.9");
            options.Toxics.Add(new BalancerToxic(new TcpLb.Engine.Proxying.Toxics.ToxicDefinition(TcpLb.Engine.Proxying.Toxics.ToxicType.Latency, latency: TimeSpan.FromMilliseconds(100)), name: "slow"));
            options.Backends.Add(BackendDefinition.Parse("127.0.0.1:9001;weight=3"));
            options.Backends.Add(BackendDefinition.Parse("127.0.0.1:9002;max_connections=0;send_proxy=v2"));
            options.Backends.Add(BackendDefinition.Parse("[::1]:9003;backup;max_connections=7"));
            options.HealthCheck.Send = "PING \"1\"\r\n";
            options.HealthCheck.ExpectPrefix = "PONG $ (ok)";
            return new BalancerDefinition("web:" + port, options);
        }

        [Theory]
        [MemberData(nameof(Algorithms))]
        public void HAProxy_accepts_the_export_for_every_algorithm(BalancingAlgorithm algorithm)
        {
            string haproxy = RealPeer.Find("haproxy", "haproxy");
            var writer = new HAProxyConfigurationWriter { PidFile = Path.Combine(_dir.FullName, "haproxy.pid") };
            string config = Write("haproxy.cfg", writer.Write(new[] { Rich(algorithm, RealPeer.FreePort()), Plain(RealPeer.FreePort()) }));

            var (exitCode, output) = RealPeer.Run(haproxy, "-c", "-f", config);

            Assert.True(exitCode == 0, $"haproxy -c exited {exitCode}: {output}\n{File.ReadAllText(config)}");
        }

        [Theory]
        [MemberData(nameof(Algorithms))]
        public void Nginx_accepts_the_export_for_every_algorithm(BalancingAlgorithm algorithm)
        {
            string nginx = RealPeer.Find("nginx", "nginx libnginx-mod-stream");
            string config = Write("nginx.conf", NginxWriter().Write(new[] { Rich(algorithm, RealPeer.FreePort()), Plain(RealPeer.FreePort()) }));

            var (exitCode, output) = RealPeer.Run(nginx, "-t", "-c", config);

            Assert.True(exitCode == 0, $"nginx -t exited {exitCode}: {output}\n{File.ReadAllText(config)}");
        }

        [Fact]
        public void The_exports_carry_access_rules_per_source_limits_and_the_proxy_protocol()
        {
            var balancers = new[] { Rich(BalancingAlgorithm.RoundRobin, 8300) };
            string haproxy = new HAProxyConfigurationWriter().Write(balancers);
            string nginx = NginxWriter().Write(balancers);

            Assert.Contains("    bind 127.0.0.1:8300 accept-proxy\n", haproxy.Replace("\r\n", "\n"));
            Assert.Contains("    tcp-request connection reject if { src 127.0.0.9 }", haproxy);
            Assert.Contains("    tcp-request connection reject if !{ src 127.0.0.0/8 ::1 }", haproxy);
            Assert.Contains("    tcp-request connection reject if { sc0_conn_cur gt 20 }", haproxy);
            Assert.Contains("    tcp-request connection reject if { sc0_conn_rate gt 50 }", haproxy);
            Assert.Contains("store conn_cur,conn_rate(60000ms)", haproxy);
            string[] lines = haproxy.Replace("\r\n", "\n").Split('\n');
            Assert.Contains(" send-proxy ", lines.Single(l => l.StartsWith("    server s1 ", StringComparison.Ordinal)));
            Assert.Contains(" send-proxy-v2 ", lines.Single(l => l.StartsWith("    server s2 ", StringComparison.Ordinal)));
            Assert.Contains(" send-proxy ", lines.Single(l => l.StartsWith("    server s3 ", StringComparison.Ordinal)));
            Assert.Contains("# Toxics (slow): no equivalent (toxics are TcpLbModule's).", haproxy);

            Assert.Contains("listen 127.0.0.1:8300 proxy_protocol;", nginx);
            Assert.Contains("proxy_protocol_timeout 3000ms;", nginx);
            Assert.Contains("        deny 127.0.0.9;\n        allow 127.0.0.0/8;\n        allow ::1;\n        deny all;\n", nginx.Replace("\r\n", "\n"));
            Assert.Contains("limit_conn_zone $binary_remote_addr zone=", nginx);
            Assert.Contains("_sources 20;", nginx);
            Assert.Contains("        proxy_protocol on;", nginx);
            Assert.Contains("# Toxics (slow): no equivalent (toxics are TcpLbModule's).", nginx);
        }

        [Fact]
        public async Task Round_robin_visits_the_backends_in_the_same_order_as_ours()
        {
            var backends = Enumerable.Range(0, 3).Select(_ => ReconfigurationPlanTests.StartBackend()).ToArray();
            try
            {
                int[] ours = await OursAsync(backends, BalancingAlgorithm.RoundRobin, weights: null, count: 9);
                int[] haproxy = await ThroughAsync("haproxy", backends, BalancingAlgorithm.RoundRobin, null, 9);
                int[] nginx = await ThroughAsync("nginx", backends, BalancingAlgorithm.RoundRobin, null, 9);
                _log.WriteLine($"ours:    {string.Join(" ", ours)}\nhaproxy: {string.Join(" ", haproxy)}\nnginx:   {string.Join(" ", nginx)}");

                int[] pool = backends.Select(b => b.Port).ToArray();
                Assert.Equal(pool.Concat(pool).Concat(pool), ours);
                Assert.Equal(ours, haproxy);
                Assert.Equal(ours, nginx);
            }
            finally
            {
                foreach (TcpTestBackend backend in backends)
                {
                    await backend.StopAsync();
                }
            }
        }

        [Fact]
        public async Task Weighted_round_robin_gives_each_backend_its_weights_share()
        {
            var backends = Enumerable.Range(0, 3).Select(_ => ReconfigurationPlanTests.StartBackend()).ToArray();
            int[] weights = { 3, 1, 2 };
            try
            {
                // Two full cycles of 3 + 1 + 2.
                int[] ours = await OursAsync(backends, BalancingAlgorithm.WeightedRoundRobin, weights, 12);
                int[] haproxy = await ThroughAsync("haproxy", backends, BalancingAlgorithm.WeightedRoundRobin, weights, 12);
                int[] nginx = await ThroughAsync("nginx", backends, BalancingAlgorithm.WeightedRoundRobin, weights, 12);
                _log.WriteLine($"ours:    {string.Join(" ", ours)}\nhaproxy: {string.Join(" ", haproxy)}\nnginx:   {string.Join(" ", nginx)}");

                int[] expected = weights.Select(w => w * 2).ToArray();
                Assert.Equal(expected, backends.Select(b => ours.Count(p => p == b.Port)));
                Assert.Equal(expected, backends.Select(b => haproxy.Count(p => p == b.Port)));
                Assert.Equal(expected, backends.Select(b => nginx.Count(p => p == b.Port)));
                // nginx's smooth weighted round robin is the one ours follows: the same order too.
                Assert.Equal(nginx, ours);
            }
            finally
            {
                foreach (TcpTestBackend backend in backends)
                {
                    await backend.StopAsync();
                }
            }
        }

        private static BalancerDefinition Plain(int port)
        {
            var options = new TcpBalancerOptions { Port = port };
            options.Backends.Add(BackendDefinition.Parse("127.0.0.1:9101"));
            options.HealthCheck.Interval = TimeSpan.Zero;
            return new BalancerDefinition(null, options);
        }

        private NginxConfigurationWriter NginxWriter() => new NginxConfigurationWriter
        {
            PidFile = Path.Combine(_dir.FullName, "nginx.pid"),
            ErrorLog = Path.Combine(_dir.FullName, "nginx-error.log"),
        };

        private string Write(string name, string text)
        {
            string path = Path.Combine(_dir.FullName, name);
            File.WriteAllText(path, text);
            return path;
        }

        private static TcpBalancerOptions Pool(TcpTestBackend[] backends, BalancingAlgorithm algorithm, int[]? weights, int port)
        {
            var options = new TcpBalancerOptions { Port = port, Algorithm = algorithm };
            for (int i = 0; i < backends.Length; i++)
            {
                options.Backends.Add(new BackendDefinition(new BackendAddress("127.0.0.1", backends[i].Port), weights?[i] ?? 1));
            }
            // No active checks: their connections would not change the order, but keep the peers' logs quiet.
            options.HealthCheck.Interval = TimeSpan.Zero;
            return options;
        }

        private static async Task<int[]> OursAsync(TcpTestBackend[] backends, BalancingAlgorithm algorithm, int[]? weights, int count)
        {
            using var balancer = new TcpBalancer(Pool(backends, algorithm, weights, 0));
            balancer.Start();
            try
            {
                return await ProbeAsync(balancer.Port, count);
            }
            finally
            {
                await balancer.StopAsync();
            }
        }

        /// <summary>Starts the peer on a free port (another one if that was taken meanwhile), probes it, stops it.</summary>
        private async Task<int[]> ThroughAsync(string program, TcpTestBackend[] backends, BalancingAlgorithm algorithm, int[]? weights, int count)
        {
            string path = RealPeer.Find(program, program == "nginx" ? "nginx libnginx-mod-stream" : program);
            for (int attempt = 1; ; attempt++)
            {
                int port = RealPeer.FreePort();
                var definition = new BalancerDefinition("peer", Pool(backends, algorithm, weights, port));
                string config = program == "nginx"
                    ? Write("nginx-run.conf", NginxWriter().Write(new[] { definition }))
                    : Write("haproxy-run.cfg", new HAProxyConfigurationWriter { PidFile = Path.Combine(_dir.FullName, "haproxy-run.pid") }.Write(new[] { definition }));
                using RealPeer peer = program == "nginx"
                    ? RealPeer.Start(path, "-c", config, "-g", "daemon off;")
                    : RealPeer.Start(path, "-f", config, "-db");
                if (await peer.WaitListeningAsync(port))
                {
                    try
                    {
                        return await ProbeAsync(port, count);
                    }
                    catch (Exception e) when (!(e is OutOfMemoryException))
                    {
                        throw new Xunit.Sdk.XunitException($"{e.Message}\n{program} wrote: {peer.Output}\nwith: {File.ReadAllText(config)}");
                    }
                }
                if (attempt == 3)
                {
                    throw new Xunit.Sdk.XunitException($"{program} did not listen on port {port} (3 attempts). Output: {peer.Output}\n{File.ReadAllText(config)}");
                }
            }
        }

        private static async Task<int[]> ProbeAsync(int port, int count)
        {
            List<TcpProbeResult> results = await ReconfigurationPlanTests.ProbeAsync(port, count);
            Assert.All(results, r => Assert.True(r.Status == TcpProbeStatus.Success && r.Backend.HasValue, $"probe {r.Sequence} to port {port}: {r.Status} '{r.Response}' {r.Error}"));
            return results.Select(r => r.Backend!.Value).ToArray();
        }
    }
}
