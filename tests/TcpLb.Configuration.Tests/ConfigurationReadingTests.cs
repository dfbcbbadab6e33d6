using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using TcpLb.Engine.Balancing;
using Xunit;

namespace TcpLb.Configuration.Tests
{
    public class ConfigurationReadingTests
    {
        /// <summary>The seed's file, as its README wrote it (with a weight on the second backend).</summary>
        internal const string SeedToml = @"[[server]]
listen = ""0.0.0.0:8200""

[[server.forward]]
algorithm = ""WRR""
backends = [
    { address = ""127.0.0.1:8080"" },
    { address = ""127.0.0.1:8081"", weight = 3 },
]
";

        internal const string EveryKeyToml = @"[[server]]
name = ""web""
listen = ""[::1]:8200""
max_connections = 100
queue_length = 10
queue_timeout = ""2s""
idle_timeout = 60000
fin_timeout = ""1m""
allow_from = [""127.0.0.0/8"", ""::1""]
deny_from = [""127.0.0.9""]
max_connections_per_source = 20
connection_rate_per_source = ""50/m""
accept_proxy_protocol = true
proxy_header_timeout = ""3s""

[server.forward]
algorithm = ""LeastConn""
backends = [
    { address = ""127.0.0.1:9001"", weight = 5, max_connections = 7 },
    { address = ""[::1]:9002"", backup = true, send_proxy = ""V1"" },
    ""localhost:9003;weight=2"",
]
connect_timeout = ""500ms""
retries = 2
retry_on = [""conn-failure"", ""ResponseTimeout""]
response_timeout = ""1.5s""
connect_failure_limit = 4
backend_max_connections = 50
slow_start = ""1h""
send_proxy_protocol = ""v2""
toxics = [
    { type = ""latency"", name = ""slow"", direction = ""Upstream"", toxicity = 0.5, latency = ""100ms"", jitter = 10 },
    { type = ""LimitData"", backend = ""127.0.0.1:9001"", bytes = 4096 },
]

[server.forward.health_check]
interval = 750
timeout = ""250ms""
rise = 3
fall = 4
send = ""PING\r\n""
expect = ""+PONG""

[[server]]
listen = 0
[server.forward]
backends = [""9004""]
";

        internal const string EveryKeyJson = @"{
  // comments and trailing commas are allowed
  ""server"": [
    {
      ""name"": ""web"",
      ""listen"": ""[::1]:8200"",
      ""maxConnections"": 100,
      ""queueLength"": 10,
      ""queueTimeout"": ""2s"",
      ""idleTimeout"": 60000,
      ""finTimeout"": ""1m"",
      ""allowFrom"": [ ""127.0.0.0/8"", ""::1"" ],
      ""denyFrom"": [ ""127.0.0.9"" ],
      ""maxConnectionsPerSource"": 20,
      ""connectionRatePerSource"": ""50/m"",
      ""acceptProxyProtocol"": true,
      ""proxyHeaderTimeout"": ""3s"",
      ""forward"": {
        ""algorithm"": ""LeastConn"",
        ""backends"": [
          { ""address"": ""127.0.0.1:9001"", ""weight"": 5, ""maxConnections"": 7 },
          { ""address"": ""[::1]:9002"", ""backup"": true, ""sendProxy"": ""v1"" },
          ""localhost:9003;weight=2"",
        ],
        ""connectTimeout"": ""500ms"",
        ""retries"": 2,
        ""retryOn"": ""ConnectFailure, response_timeout"",
        ""responseTimeout"": ""1.5s"",
        ""connectFailureLimit"": 4,
        ""backendMaxConnections"": 50,
        ""slowStart"": ""1h"",
        ""sendProxyProtocol"": ""V2"",
        ""toxics"": [
          { ""type"": ""Latency"", ""name"": ""slow"", ""direction"": ""upstream"", ""toxicity"": 0.5, ""latency"": 100, ""jitter"": ""10ms"" },
          { ""type"": ""limitdata"", ""backend"": ""127.0.0.1:9001"", ""bytes"": 4096 },
        ],
        ""healthCheck"": { ""interval"": 750, ""timeout"": ""250ms"", ""rise"": 3, ""fall"": 4, ""send"": ""PING\r\n"", ""expect"": ""+PONG"" }
      }
    },
    { ""listen"": 0, ""forward"": [ { ""backends"": [ ""9004"" ] } ] }
  ]
}";

        [Fact]
        public void Reads_the_seeds_toml_as_written()
        {
            BalancerDefinition server = Assert.Single(BalancerConfiguration.Read(SeedToml, ConfigurationFormat.Toml, "seed.toml"));

            Assert.Null(server.Name);
            Assert.Equal("0.0.0.0", server.Options.ListenAddress.ToString());
            Assert.Equal(8200, server.Options.Port);
            Assert.Equal(BalancingAlgorithm.WeightedRoundRobin, server.Options.Algorithm);
            Assert.Equal(new[] { "127.0.0.1:8080", "127.0.0.1:8081;weight=3" }, server.Options.Backends.Select(b => b.ToString()));
        }

        [Fact]
        public void Reads_several_servers_in_the_seeds_style()
        {
            string toml = SeedToml + "\n[[server]]\nname = \"api\"\nlisten = 8300\n\n[[server.forward]]\nalgorithm = \"P2C\"\nbackends = [ { address = \"127.0.0.1:9101\" } ]\n";

            IReadOnlyList<BalancerDefinition> servers = BalancerConfiguration.Read(toml, ConfigurationFormat.Toml, "two.toml");

            Assert.Equal(new[] { 8200, 8300 }, servers.Select(s => s.Options.Port));
            Assert.Equal(new[] { BalancingAlgorithm.WeightedRoundRobin, BalancingAlgorithm.PowerOfTwoChoices }, servers.Select(s => s.Options.Algorithm));
            Assert.Equal("127.0.0.1:9101", Assert.Single(servers[1].Options.Backends).ToString());
        }

        [Theory]
        [InlineData(ConfigurationFormat.Toml, EveryKeyToml)]
        [InlineData(ConfigurationFormat.Json, EveryKeyJson)]
        public void Reads_every_key(ConfigurationFormat format, string text)
        {
            IReadOnlyList<BalancerDefinition> servers = BalancerConfiguration.Read(text, format, "every");

            Assert.Equal(2, servers.Count);
            BalancerDefinition web = servers[0];
            TcpBalancerOptions o = web.Options;
            Assert.Equal("web", web.Name);
            Assert.Equal("::1", o.ListenAddress.ToString());
            Assert.Equal(8200, o.Port);
            Assert.Equal(100, o.MaxConnections);
            Assert.Equal(10, o.QueueLength);
            Assert.Equal(TimeSpan.FromSeconds(2), o.QueueTimeout);
            Assert.Equal(TimeSpan.FromMinutes(1), o.IdleTimeout);
            Assert.Equal(TimeSpan.FromMinutes(1), o.FinTimeout);
            Assert.Equal(BalancingAlgorithm.LeastConnections, o.Algorithm);
            Assert.Equal(new[] { "127.0.0.1:9001;weight=5;max_connections=7", "[::1]:9002;backup;send_proxy=v1", "localhost:9003;weight=2" }, o.Backends.Select(b => b.ToString()));
            Assert.Equal(TimeSpan.FromMilliseconds(500), o.ConnectTimeout);
            Assert.Equal(2, o.Retries);
            Assert.Equal(RetryConditions.ConnectFailure | RetryConditions.ResponseTimeout, o.RetryOn);
            var defaults0 = new TcpBalancerOptions();
            Assert.Equal(TimeSpan.FromMilliseconds(1500), o.ResponseTimeout);
            Assert.Equal(4, o.ConnectFailuresBeforeDown);
            Assert.Equal(50, o.BackendMaxConnections);
            Assert.Equal(TimeSpan.FromHours(1), o.SlowStart);
            Assert.Equal(TimeSpan.FromMilliseconds(750), o.HealthCheck.Interval);
            Assert.Equal(TimeSpan.FromMilliseconds(250), o.HealthCheck.Timeout);
            Assert.Equal(3, o.HealthCheck.Rise);
            Assert.Equal(4, o.HealthCheck.Fall);
            Assert.Equal("PING\r\n", o.HealthCheck.Send);
            Assert.Equal("+PONG", o.HealthCheck.ExpectPrefix);
            Assert.Equal(new[] { "127.0.0.0/8", "::1" }, o.AllowFrom);
            Assert.Equal(new[] { "127.0.0.9" }, o.DenyFrom);
            Assert.Equal(20, o.MaxConnectionsPerSource);
            Assert.Equal(new TcpLb.Engine.Access.ConnectionRate(50, TimeSpan.FromMinutes(1)), o.ConnectionRatePerSource);
            Assert.True(o.AcceptProxyProtocol);
            Assert.Equal(TimeSpan.FromSeconds(3), o.ProxyHeaderTimeout);
            Assert.Equal(TcpLb.Engine.Net.ProxyProtocolVersion.V2, o.SendProxyProtocol);
            Assert.Equal(TcpLb.Engine.Net.ProxyProtocolVersion.V1, o.Backends[1].SendProxyProtocol);
            Assert.Null(o.Backends[0].SendProxyProtocol);
            Assert.Equal(2, o.Toxics.Count);
            Assert.Equal("slow", o.Toxics[0].Name);
            Assert.Equal("slow: " + new TcpLb.Engine.Proxying.Toxics.ToxicDefinition(TcpLb.Engine.Proxying.Toxics.ToxicType.Latency, TcpLb.Engine.Proxying.Toxics.ToxicDirection.Upstream, 0.5, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(10)), o.Toxics[0].ToString());
            Assert.Equal(TcpLb.Engine.Proxying.Toxics.ToxicType.LimitData, o.Toxics[1].Definition.Type);
            Assert.Equal(4096, o.Toxics[1].Definition.Bytes);
            Assert.Equal("127.0.0.1:9001", o.Toxics[1].Backend!.ToString());

            Assert.Equal(defaults0.RetryOn, servers[1].Options.RetryOn);
            // A server that gives only its pool keeps every engine default.
            BalancerDefinition second = servers[1];
            var defaults = new TcpBalancerOptions();
            Assert.Null(second.Name);
            Assert.Equal(0, second.Options.Port);
            Assert.Equal(defaults.ListenAddress, second.Options.ListenAddress);
            Assert.Equal(defaults.Algorithm, second.Options.Algorithm);
            Assert.Equal(defaults.HealthCheck.Interval, second.Options.HealthCheck.Interval);
            Assert.Equal(defaults.IdleTimeout, second.Options.IdleTimeout);
            Assert.Equal("127.0.0.1:9004", Assert.Single(second.Options.Backends).ToString());
        }

        [Theory]
        [InlineData("max_connections")]
        [InlineData("MaxConnections")]
        [InlineData("maxConnections")]
        [InlineData("max-connections")]
        [InlineData("MAX_CONNECTIONS")]
        public void Keys_match_without_case_underscores_or_dashes(string key)
        {
            string toml = $"[[server]]\n{key} = 12\nforward = {{ backends = [\"9001\"] }}\n";

            Assert.Equal(12, BalancerConfiguration.Read(toml, ConfigurationFormat.Toml, "keys.toml")[0].Options.MaxConnections);
        }

        [Theory]
        [InlineData("RR", BalancingAlgorithm.RoundRobin)]
        [InlineData("roundrobin", BalancingAlgorithm.RoundRobin)]
        [InlineData("wrr", BalancingAlgorithm.WeightedRoundRobin)]
        [InlineData("WeightedRoundRobin", BalancingAlgorithm.WeightedRoundRobin)]
        [InlineData("LC", BalancingAlgorithm.LeastConnections)]
        [InlineData("leastconn", BalancingAlgorithm.LeastConnections)]
        [InlineData("least_connections", BalancingAlgorithm.LeastConnections)]
        [InlineData("P2C", BalancingAlgorithm.PowerOfTwoChoices)]
        [InlineData("PowerOfTwoChoices", BalancingAlgorithm.PowerOfTwoChoices)]
        [InlineData("Hash", BalancingAlgorithm.SourceHash)]
        [InlineData("SourceHash", BalancingAlgorithm.SourceHash)]
        [InlineData("random", BalancingAlgorithm.Random)]
        [InlineData("FIRST", BalancingAlgorithm.First)]
        public void Reads_every_algorithm_name(string name, BalancingAlgorithm expected)
        {
            string toml = $"[[server]]\n[[server.forward]]\nalgorithm = \"{name}\"\nbackends = [\"9001\"]\n";

            Assert.Equal(expected, BalancerConfiguration.Read(toml, ConfigurationFormat.Toml, "a.toml")[0].Options.Algorithm);
        }

        [Theory]
        [InlineData("loop", BalancerTransport.Loop)]
        [InlineData("Stream", BalancerTransport.Stream)]
        [InlineData("AUTO", BalancerTransport.Auto)]
        public void Reads_the_transport_and_writes_it_when_it_is_not_auto(string name, BalancerTransport expected)
        {
            string toml = $"[[server]]\ntransport = \"{name}\"\n[[server.forward]]\nbackends = [\"9001\"]\n";

            TcpBalancerOptions o = BalancerConfiguration.Read(toml, ConfigurationFormat.Toml, "t.toml")[0].Options;
            string written = BalancerConfiguration.Write(new[] { new BalancerDefinition(null, o) }, ConfigurationFormat.Toml);

            Assert.Equal(expected, o.Transport);
            Assert.Equal(expected != BalancerTransport.Auto, written.Contains("transport = \"" + expected + "\""));
            Assert.Equal(expected, BalancerConfiguration.Read(written, ConfigurationFormat.Toml, "w.toml")[0].Options.Transport);
        }

        [Theory]
        [InlineData("1500", 1500)]
        [InlineData("\"1500ms\"", 1500)]
        [InlineData("\"2s\"", 2000)]
        [InlineData("\"0.5s\"", 500)]
        [InlineData("\"1m\"", 60_000)]
        [InlineData("\"1h\"", 3_600_000)]
        public void Reads_durations_as_milliseconds_or_with_a_unit(string value, int milliseconds)
        {
            string toml = $"[[server]]\nqueue_timeout = {value}\nforward = {{ backends = [\"9001\"] }}\n";

            Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), BalancerConfiguration.Read(toml, ConfigurationFormat.Toml, "d.toml")[0].Options.QueueTimeout);
        }

        [Fact]
        public void An_idle_timeout_of_zero_means_never()
        {
            string toml = "[[server]]\nidle_timeout = 0\nforward = { backends = [\"9001\"] }\n";

            Assert.Equal(Timeout.InfiniteTimeSpan, BalancerConfiguration.Read(toml, ConfigurationFormat.Toml, "i.toml")[0].Options.IdleTimeout);
        }

        [Theory]
        [InlineData("retry_on = \"ConnectFailure, Reset\"", RetryConditions.ConnectFailure | RetryConditions.Reset)]
        [InlineData("retry_on = [\"none\"]", RetryConditions.None)]
        [InlineData("retry_on = []", RetryConditions.None)]
        [InlineData("retry_on = [\"empty-response\", \"Reset\"]", RetryConditions.EmptyResponse | RetryConditions.Reset)]
        [InlineData("replay = false", RetryConditions.ConnectFailure)]
        [InlineData("replay = true", RetryConditions.ConnectFailure | RetryConditions.Reset)]
        [InlineData("retry_on = [\"ConnectFailure\"]\nreplay = true", RetryConditions.ConnectFailure | RetryConditions.Reset)]
        public void Retry_on_reads_names_lists_and_the_older_replay_switch(string setting, RetryConditions expected)
        {
            string toml = "[[server]]\nlisten = 0\n\n[[server.forward]]\nbackends = [\"9001\"]\n" + setting + "\n";

            TcpBalancerOptions o = BalancerConfiguration.Read(toml, ConfigurationFormat.Toml, "t.toml")[0].Options;

            Assert.Equal(expected, o.RetryOn);
            string written = BalancerConfiguration.Write(new[] { new BalancerDefinition(null, o) }, ConfigurationFormat.Toml);
            Assert.DoesNotContain("replay", written);
            Assert.Equal(expected, BalancerConfiguration.Read(written, ConfigurationFormat.Toml, "w.toml")[0].Options.RetryOn);
        }
    }
}
