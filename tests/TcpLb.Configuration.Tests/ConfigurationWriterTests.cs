using System;
using System.Linq;
using TcpLb.Configuration.Export;
using TcpLb.Engine.Balancing;

namespace TcpLb.Configuration.Tests
{
    /// <summary>The text of the HAProxy and nginx exports: each setting where the peer reads it, a comment where it has none.</summary>
    public class ConfigurationWriterTests
    {
        private static BalancerDefinition Web(BalancingAlgorithm algorithm)
        {
            var options = new TcpBalancerOptions { Port = 8443, Algorithm = algorithm, MaxConnections = 100, BackendMaxConnections = 20, ConnectTimeout = TimeSpan.FromMilliseconds(500), Retries = 2, ResponseTimeout = TimeSpan.FromSeconds(3) };
            options.Backends.Add(BackendDefinition.Parse("127.0.0.1:9001;weight=3"));
            options.Backends.Add(BackendDefinition.Parse("127.0.0.1:9002;backup;max_connections=0"));
            options.HealthCheck.Send = "PING\r\n";
            options.HealthCheck.ExpectPrefix = "PONG";
            return new BalancerDefinition("web", options);
        }

        private static string[] Lines(string text) => text.Split('\n').Select(l => l.TrimEnd('\r').Trim()).ToArray();

        [Theory]
        [InlineData(BalancingAlgorithm.RoundRobin, "balance roundrobin")]
        [InlineData(BalancingAlgorithm.WeightedRoundRobin, "balance roundrobin  # with the servers' weights")]
        [InlineData(BalancingAlgorithm.LeastConnections, "balance leastconn")]
        [InlineData(BalancingAlgorithm.PowerOfTwoChoices, "balance random(2)")]
        [InlineData(BalancingAlgorithm.SourceHash, "hash-type consistent")]
        [InlineData(BalancingAlgorithm.Random, "balance random")]
        [InlineData(BalancingAlgorithm.First, "balance first  # fills servers in order up to their maxconn")]
        public void HAProxy_maps_the_algorithm(BalancingAlgorithm algorithm, string expected)
        {
            Assert.Contains(expected, Lines(new HAProxyConfigurationWriter().Write(new[] { Web(algorithm) })));
        }

        [Fact]
        public void HAProxy_maps_servers_checks_timeouts_and_limits()
        {
            string[] lines = Lines(new HAProxyConfigurationWriter { PidFile = "/tmp/x.pid" }.Write(new[] { Web(BalancingAlgorithm.WeightedRoundRobin) }));

            Assert.Contains("pidfile \"/tmp/x.pid\"", lines);
            Assert.Contains("listen web", lines);
            Assert.Contains("bind 127.0.0.1:8443", lines);
            Assert.Contains("maxconn 100", lines);
            Assert.Contains("timeout connect 500ms", lines);
            Assert.Contains("timeout client-fin 30000ms", lines);
            Assert.Contains("retries 2", lines);
            Assert.Contains("option redispatch 1", lines);
            Assert.Contains("retry-on conn-failure", lines);
            Assert.Contains(lines, l => l.StartsWith("# RetryOn ConnectFailure, Reset: ", StringComparison.Ordinal));
            Assert.Contains("tcp-check send \"PING\\r\\n\"", lines);
            Assert.Contains("tcp-check expect rstring \"^PONG\"", lines);
            Assert.Contains("server s1 127.0.0.1:9001 weight 3 maxconn 20 maxqueue 256 check inter 2000ms rise 2 fall 3 observe layer4 error-limit 3 on-error mark-down", lines);
            Assert.Contains("server s2 127.0.0.1:9002 weight 1 backup check inter 2000ms rise 2 fall 3 observe layer4 error-limit 3 on-error mark-down", lines);
            Assert.Contains(lines, l => l.StartsWith("# ResponseTimeout 3000ms", StringComparison.Ordinal));
        }

        [Theory]
        [InlineData(BalancingAlgorithm.LeastConnections, "least_conn;")]
        [InlineData(BalancingAlgorithm.PowerOfTwoChoices, "random two least_conn;")]
        [InlineData(BalancingAlgorithm.SourceHash, "hash $remote_addr consistent;")]
        [InlineData(BalancingAlgorithm.Random, "random;")]
        [InlineData(BalancingAlgorithm.First, "# First (fill one server, then the next) has no nginx equivalent: round robin (the default) instead.")]
        public void Nginx_maps_the_algorithm(BalancingAlgorithm algorithm, string expected)
        {
            Assert.Contains(expected, Lines(new NginxConfigurationWriter().Write(new[] { Web(algorithm) })));
        }

        [Fact]
        public void Nginx_maps_servers_limits_and_timeouts_and_comments_what_it_lacks()
        {
            string[] lines = Lines(new NginxConfigurationWriter { PidFile = "/tmp/n.pid", ErrorLog = "/tmp/n.log" }.Write(new[] { Web(BalancingAlgorithm.WeightedRoundRobin) }));

            Assert.Contains("load_module /usr/lib/nginx/modules/ngx_stream_module.so;", lines);
            Assert.Contains("pid /tmp/n.pid;", lines);
            Assert.Contains("error_log /tmp/n.log warn;", lines);
            Assert.Contains("upstream web {", lines);
            Assert.Contains("server 127.0.0.1:9001 weight=3 max_conns=20 max_fails=3 fail_timeout=6s;", lines);
            Assert.Contains("server 127.0.0.1:9002 weight=1 max_fails=3 fail_timeout=6s backup;", lines);
            Assert.Contains("listen 127.0.0.1:8443;", lines);
            Assert.Contains("proxy_connect_timeout 500ms;", lines);
            Assert.Contains("proxy_next_upstream_tries 3;  # Retries 2 after the first attempt", lines);
            Assert.Contains("limit_conn web_connections 100;", lines);
            Assert.Contains(lines, l => l.StartsWith("# Active health checks", StringComparison.Ordinal) && l.Contains("nginx Plus only"));
        }

        [Fact]
        public void Nginx_leaves_out_backups_where_the_method_forbids_them()
        {
            string[] lines = Lines(new NginxConfigurationWriter().Write(new[] { Web(BalancingAlgorithm.SourceHash) }));

            Assert.Contains(lines, l => l.StartsWith("# backup server left out: nginx does not allow backup with SourceHash's method: server 127.0.0.1:9002", StringComparison.Ordinal));
        }

        [Fact]
        public void Port_zero_cannot_be_exported()
        {
            var options = new TcpBalancerOptions { Port = 0 };
            options.Backends.Add(BackendDefinition.Parse("9001"));

            var e = Assert.Throws<ArgumentException>(() => new HAProxyConfigurationWriter().Write(new[] { new BalancerDefinition("lb", options) }));
            Assert.Contains("port 0", e.Message);
        }
    }
}
