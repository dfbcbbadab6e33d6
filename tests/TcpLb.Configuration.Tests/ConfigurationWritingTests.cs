using System.Collections.Generic;
using System.Linq;
using TcpLb.Engine.Balancing;
using Xunit;

namespace TcpLb.Configuration.Tests
{
    public class ConfigurationWritingTests
    {
        [Theory]
        [InlineData(ConfigurationFormat.Toml)]
        [InlineData(ConfigurationFormat.Json)]
        public void Written_text_reads_back_to_the_same_options(ConfigurationFormat format)
        {
            IReadOnlyList<BalancerDefinition> original = BalancerConfiguration.Read(ConfigurationReadingTests.EveryKeyToml, ConfigurationFormat.Toml, "every.toml");

            string written = BalancerConfiguration.Write(original, format);
            IReadOnlyList<BalancerDefinition> reread = BalancerConfiguration.Read(written, format, "written");

            Assert.Equal(written, BalancerConfiguration.Write(reread, format));
            Assert.Equal(BalancerConfiguration.Write(original, ConfigurationFormat.Toml), BalancerConfiguration.Write(reread, ConfigurationFormat.Toml));
            Assert.Equal("PING\r\n", reread[0].Options.HealthCheck.Send);
            Assert.Equal(new[] { "127.0.0.1:9001;weight=5;max_connections=7", "[::1]:9002;backup;send_proxy=v1", "localhost:9003;weight=2" }, reread[0].Options.Backends.Select(b => b.ToString()));
        }

        [Fact]
        public void Toml_keys_are_snake_case_json_camel_case_psd1_pascal_case()
        {
            IReadOnlyList<BalancerDefinition> servers = BalancerConfiguration.Read(ConfigurationReadingTests.EveryKeyToml, ConfigurationFormat.Toml, "every.toml");

            string toml = BalancerConfiguration.Write(servers, ConfigurationFormat.Toml);
            string json = BalancerConfiguration.Write(servers, ConfigurationFormat.Json);
            string psd1 = BalancerConfiguration.Write(servers, ConfigurationFormat.Psd1);

            Assert.StartsWith("[[server]]\nname = \"web\"\nlisten = \"[::1]:8200\"\nmax_connections = 100\n", toml.Replace("\r\n", "\n"));
            Assert.Contains("[server.forward.health_check]", toml);
            Assert.Contains("connect_failure_limit = 4", toml);
            Assert.Contains("\"backendMaxConnections\": 50", json);
            Assert.Contains("\"healthCheck\": {", json);
            Assert.Contains("\"expect\": \"+PONG\"", json);
            Assert.Contains("ConnectFailureLimit = 4", psd1);
            Assert.Contains("HealthCheck = @{", psd1);
            Assert.Contains("Send = \"PING`r`n\"", psd1);
            Assert.Contains("Backup = $true", psd1);
            Assert.Contains("RetryOn = @(", psd1);
            Assert.Matches("retry_on = \\[\\s*\"ConnectFailure\"", toml);
        }

        [Fact]
        public void Durations_are_written_in_milliseconds_and_a_never_idle_timeout_as_zero()
        {
            var options = new TcpBalancerOptions { Port = 0, IdleTimeout = System.Threading.Timeout.InfiniteTimeSpan, ConnectTimeout = System.TimeSpan.FromSeconds(1.5) };
            options.Backends.Add(BackendDefinition.Parse("9001"));

            string toml = BalancerConfiguration.Write(new[] { new BalancerDefinition(null, options) }, ConfigurationFormat.Toml);

            Assert.Contains("idle_timeout = 0\n", toml.Replace("\r\n", "\n"));
            Assert.Contains("connect_timeout = 1500\n", toml.Replace("\r\n", "\n"));
            Assert.DoesNotContain("name =", toml);
            Assert.Equal(System.Threading.Timeout.InfiniteTimeSpan, BalancerConfiguration.Read(toml, ConfigurationFormat.Toml, "t")[0].Options.IdleTimeout);
        }

        [Fact]
        public void Psd1_strings_quote_what_powershell_would_read_otherwise()
        {
            var options = new TcpBalancerOptions();
            options.Backends.Add(BackendDefinition.Parse("9001"));
            options.HealthCheck.Send = "it's $HOME";
            options.HealthCheck.ExpectPrefix = "a\t`$b\"";

            string psd1 = BalancerConfiguration.Write(new[] { new BalancerDefinition("o'brien", options) }, ConfigurationFormat.Psd1);

            Assert.Contains("Name = 'o''brien'", psd1);
            Assert.Contains("Send = 'it''s $HOME'", psd1);
            Assert.Contains("Expect = \"a`t```$b`\"\"", psd1);
        }

        [Fact]
        public void HAProxy_and_nginx_exports_go_through_the_same_entry_point()
        {
            var options = new TcpLb.Engine.Balancing.TcpBalancerOptions { Port = 8200, Algorithm = TcpLb.Engine.Balancing.BalancingAlgorithm.LeastConnections };
            options.Backends.Add(TcpLb.Engine.Balancing.BackendDefinition.Parse("127.0.0.1:8081;weight=3"));
            var balancers = new[] { new BalancerDefinition("web", options) };

            string haproxy = BalancerConfiguration.Write(balancers, ConfigurationFormat.HAProxy);
            string nginx = BalancerConfiguration.Write(balancers, ConfigurationFormat.Nginx);

            Assert.Contains("balance leastconn", haproxy);
            Assert.Contains("127.0.0.1:8081", haproxy);
            Assert.Contains("least_conn;", nginx);
            Assert.Contains("server 127.0.0.1:8081 weight=3", nginx);
        }
    }
}
