using Xunit;

namespace TcpLb.Configuration.Tests
{
    /// <summary>A bad file's error names the file, the line, the key, the bad value and what is accepted.</summary>
    public class ConfigurationErrorTests
    {
        private static ConfigurationException ReadFails(string text, ConfigurationFormat format, string source)
            => Assert.Throws<ConfigurationException>(() => BalancerConfiguration.Read(text, format, source));

        [Fact]
        public void Malformed_toml_names_the_file_and_line()
        {
            var e = ReadFails("[[server]]\nlisten = \"0.0.0.0:8200\n[[server.forward]]\n", ConfigurationFormat.Toml, "/etc/lb.toml");

            Assert.Equal("/etc/lb.toml, line 2: not valid TOML: Invalid newline in a string.", e.Message);
            Assert.Equal(2, e.Line);
        }

        [Fact]
        public void A_toml_key_defined_twice_is_a_syntax_error_with_its_line()
        {
            var e = ReadFails("[[server]]\nlisten = 1\nlisten = 2\n", ConfigurationFormat.Toml, "lb.toml");

            Assert.StartsWith("lb.toml, line 3: not valid TOML: The key ", e.Message);
            Assert.Contains("listen", e.Message);
            Assert.Contains("is already defined", e.Message);
        }

        [Fact]
        public void Deeply_nested_toml_names_the_file_and_line_and_what_is_accepted()
        {
            // Brackets in comments and strings do not count.
            string toml = "[[server]]\n# [[[[ {{{{\nname = \"[[[[\\\"{{{\"\nlisten = 0\nx = '''[[[\n{{{'''\ny = " + new string('[', 200) + new string(']', 200) + "\n";

            var e = ReadFails(toml, ConfigurationFormat.Toml, "/etc/deep.toml");

            Assert.Equal("/etc/deep.toml, line 7: not valid TOML: values are nested deeper than 64 levels of arrays and inline tables. Accepted: at most 64 levels; a configuration needs a handful (server, forward, backends, one backend's settings), written as [[server]] and [server.forward] tables or shallow inline values.", e.Message);
            Assert.Equal(7, e.Line);
        }

        [Fact]
        public void Deeply_nested_toml_tables_name_the_file_and_line()
        {
            string toml = "[[server]]\nlisten = 0\nx = " + string.Concat(System.Linq.Enumerable.Repeat("{ a = ", 200)) + "1" + new string('}', 200) + "\n";

            var e = ReadFails(toml, ConfigurationFormat.Toml, "deep.toml");

            Assert.StartsWith("deep.toml, line 3: not valid TOML: values are nested deeper than ", e.Message);
            Assert.DoesNotContain("MaxDepth", e.Message);
        }

        [Theory]
        [InlineData(129, "129 characters, more than 128")]
        [InlineData(100_000, "100000 characters, more than 128")]
        public void A_name_too_long_is_refused_and_quoted_short(int length, string why)
        {
            string toml = "[[server]]\nlisten = 0\nname = \"" + new string('n', length) + "\"\n";

            var e = ReadFails(toml, ConfigurationFormat.Toml, "lb.toml");

            Assert.Equal($"lb.toml, line 3: server[0].name: \"{new string('n', 40)}...\" is not valid ({why}). Accepted: a name of 1 to 128 characters (letters, digits, spaces and punctuation; no control characters such as a new line or tab).", e.Message);
        }

        [Fact]
        public void A_name_with_a_control_character_is_refused()
        {
            var e = ReadFails("{ \"server\": [ {\n \"name\": \"a\\tb\", \"listen\": 0 } ] }", ConfigurationFormat.Json, "lb.json");

            Assert.Equal("lb.json, line 2: server[0].name: \"a\\u0009b\" is not valid (a control character, U+0009, at position 2). Accepted: a name of 1 to 128 characters (letters, digits, spaces and punctuation; no control characters such as a new line or tab).", e.Message);
        }

        [Fact]
        public void A_name_of_128_characters_is_accepted()
        {
            string name = new string('n', 128);

            var read = BalancerConfiguration.Read("[[server]]\nlisten = 0\nname = \"" + name + "\"\n[server.forward]\nbackends = [\"9\"]\n", ConfigurationFormat.Toml, "lb.toml");

            Assert.Equal(name, read[0].Name);
        }

        [Fact]
        public void Malformed_json_names_the_file_and_line()
        {
            var e = ReadFails("{\n \"server\": [\n  { \"listen\": 8200,,\n } ] }", ConfigurationFormat.Json, "lb.json");

            Assert.Equal("lb.json, line 3: not valid JSON: ',' is an invalid start of a property name. Expected a '\"'.", e.Message);
        }

        [Fact]
        public void An_unknown_key_is_an_error_that_suggests_the_nearest_valid_key()
        {
            string toml = ConfigurationReadingTests.SeedToml.Replace("weight = 3", "wieght = 3");

            var e = ReadFails(toml, ConfigurationFormat.Toml, "seed.toml");

            Assert.Equal("seed.toml, line 8: server[0].forward.backends[1].wieght: 'wieght' is not a known key. Did you mean 'weight'? Valid keys here: address, weight, backup, max_connections, send_proxy.", e.Message);
            Assert.Equal("server[0].forward.backends[1].wieght", e.KeyPath);
        }

        [Fact]
        public void An_unknown_key_in_json_names_its_line_and_lists_the_valid_keys()
        {
            string json = "{\n  \"server\": [\n    {\n      \"listen\": 0,\n      \"maxConections\": 5\n    }\n  ]\n}";

            var e = ReadFails(json, ConfigurationFormat.Json, "lb.json");

            Assert.Equal("lb.json, line 5: server[0].maxConections: 'maxConections' is not a known key. Did you mean 'max_connections'? Valid keys here: name, listen, transport, max_connections, queue_length, queue_timeout, idle_timeout, fin_timeout, allow_from, deny_from, max_connections_per_source, connection_rate_per_source, accept_proxy_protocol, proxy_header_timeout, forward.", e.Message);
        }

        [Fact]
        public void A_wrong_type_names_the_key_the_value_and_what_is_accepted()
        {
            string toml = ConfigurationReadingTests.SeedToml.Replace("weight = 3", "weight = \"3\"");

            var e = ReadFails(toml, ConfigurationFormat.Toml, "seed.toml");

            Assert.Equal("seed.toml, line 8: server[0].forward.backends[1].weight: \"3\" is not valid (a string, not a whole number). Accepted: a whole number from 1 to 256.", e.Message);
        }

        [Theory]
        [InlineData("\"weight\": 300", "server[0].forward.backends[0].weight: 300 is not valid (out of range). Accepted: a whole number from 1 to 256.")]
        [InlineData("\"backup\": \"yes\"", "server[0].forward.backends[0].backup: \"yes\" is not valid (a string, not true or false). Accepted: true or false.")]
        [InlineData("\"address\": \"nohost:\"", "server[0].forward.backends[0].address: \"nohost:\" is not valid (not a backend address). Accepted: a port (8088, meaning 127.0.0.1:8088)")]
        [InlineData("\"maxConnections\": -1", "server[0].forward.backends[0].maxConnections: -1 is not valid (out of range). Accepted: a whole number, 0 or more.")]
        public void A_bad_backend_value_in_json_names_its_line_key_and_value(string setting, string expected)
        {
            string json = "{ \"server\": [ { \"forward\": {\n \"backends\": [\n { \"address\": \"127.0.0.1:9001\", " + setting.Replace("\"address\": \"nohost:\"", "\"port\": 1") + " } ] } } ] }";
            if (setting.StartsWith("\"address\""))
            {
                json = "{ \"server\": [ { \"forward\": {\n \"backends\": [\n { " + setting + " } ] } } ] }";
            }

            var e = ReadFails(json, ConfigurationFormat.Json, "lb.json");

            Assert.StartsWith("lb.json, line 3: " + expected, e.Message);
        }

        [Theory]
        [InlineData("algorithm = \"fastest\"", "server[0].forward.algorithm: \"fastest\" is not valid (not an algorithm). Accepted: RoundRobin (RR), WeightedRoundRobin (WRR), LeastConnections (LC, LeastConn), PowerOfTwoChoices (P2C), SourceHash (Hash), Random, First (case does not count).")]
        [InlineData("connect_timeout = \"5 parsecs\"", "server[0].forward.connect_timeout: \"5 parsecs\" is not valid (not a duration). Accepted: milliseconds as a whole number (2000), or a string with a unit: \"500ms\", \"2s\", \"1.5m\", \"1h\"; 1 ms or more, up to 2147483647 ms.")]
        [InlineData("connect_timeout = 0", "server[0].forward.connect_timeout: 0 is not valid (out of range).")]
        [InlineData("retries = 101", "server[0].forward.retries: 101 is not valid (out of range). Accepted: a whole number from 0 to 100.")]
        [InlineData("retries = 1.5", "server[0].forward.retries: 1.5 is not valid (a fractional number, not a whole number).")]
        [InlineData("retry_on = [\"Reset\", \"Sometimes\"]", "server[0].forward.retry_on[1]: \"Sometimes\" is not valid ('Sometimes' is not a retry condition). Accepted: a list of ConnectFailure (conn-failure), Reset, EmptyResponse, ResponseTimeout, or None")]
        [InlineData("retry_on = 3", "server[0].forward.retry_on: 3 is not valid (")]
        [InlineData("replay = 1", "server[0].forward.replay: 1 is not valid (a whole number, not true or false). Accepted: true or false.")]
        [InlineData("backends = \"9001\"", "server[0].forward.backends: \"9001\" is not valid (a string, not a list).")]
        [InlineData("backends = [\"9001;heavy\"]", "server[0].forward.backends[0]: '9001;heavy' is not a valid backend: 'heavy' is not a backend setting.")]
        [InlineData("backends = [\"9001\", \"127.0.0.1:9001\"]", "server[0].forward.backends[1]: backend 127.0.0.1:9001 is given more than once. Give each backend once.")]
        [InlineData("backends = [{ weight = 2 }]", "server[0].forward.backends[0]: the backend has no address.")]
        [InlineData("health_check = { rise = 0 }", "server[0].forward.health_check.rise: 0 is not valid (out of range). Accepted: a whole number from 1 to 1000.")]
        [InlineData("listen = 8200", "server[0].forward.listen: 'listen' is not a key of this table: it belongs in the server table itself, not in forward.")]
        [InlineData("send_proxy_protocol = \"v3\"", "server[0].forward.send_proxy_protocol: \"v3\" is not valid (not a PROXY protocol version). Accepted: \"none\", \"v1\" or \"v2\" (case does not count).")]
        [InlineData("backends = [{ address = \"9001\", send_proxy = \"v9\" }]", "server[0].forward.backends[0].send_proxy: \"v9\" is not valid (not a PROXY protocol version).")]
        [InlineData("toxics = [{ type = \"Lag\" }]", "server[0].forward.toxics[0].type: \"Lag\" is not valid (not a toxic type). Accepted: Latency, ")]
        [InlineData("toxics = [{ type = \"Latency\", bytes = 5 }]", "server[0].forward.toxics[0].bytes: 'bytes' does not apply to a Latency toxic. A Latency toxic takes: latency, jitter.")]
        [InlineData("toxics = [{ type = \"Latency\", toxicity = 2 }]", "server[0].forward.toxics[0].toxicity: 2 is not valid (out of range). Accepted: a number from 0 to 1")]
        [InlineData("toxics = [{ type = \"Bandwidth\" }]", "server[0].forward.toxics[0]: Rate 0 bytes per second is out of range: a Bandwidth toxic needs a rate of 1 or more.")]
        [InlineData("toxics = [{ latency = 5 }]", "server[0].forward.toxics[0]: the toxic has no type. Give one: type = Latency")]
        [InlineData("interval = 100", "server[0].forward.interval: 'interval' is not a key of this table: it belongs in the health_check table.")]
        [InlineData("health_check = { sned = \"x\" }", "server[0].forward.health_check.sned: 'sned' is not a known key. Did you mean 'send'?")]
        public void A_bad_forward_value_in_toml_names_its_line_key_and_value(string setting, string expected)
        {
            string toml = "[[server]]\nlisten = 0\n\n[[server.forward]]\n" + setting + "\n";

            var e = ReadFails(toml, ConfigurationFormat.Toml, "lb.toml");

            Assert.StartsWith("lb.toml, line 5: " + expected, e.Message);
        }

        [Theory]
        [InlineData("listen = \"host.invalid:80\"", "server[0].listen: \"host.invalid:80\" is not valid (")]
        [InlineData("listen = \"127.0.0.1:70000\"", "server[0].listen: \"127.0.0.1:70000\" is not valid ('70000' is not a port). Accepted: \"host:port\"")]
        [InlineData("listen = \"::1:80\"", "server[0].listen: \"::1:80\" is not valid (an IPv6 address needs brackets).")]
        [InlineData("name = \"\"", "server[0].name: \"\" is not valid (empty). Accepted: a name of 1 to 128 characters (letters, digits, spaces and punctuation; no control characters such as a new line or tab).")]
        [InlineData("retries = 3", "server[0].retries: 'retries' is not a key of this table: it belongs in the server's forward table.")]
        [InlineData("rise = 3", "server[0].rise: 'rise' is not a key of this table: it belongs in the forward table's health_check table.")]
        [InlineData("allow_from = [\"127.0.0.0/8\", \"10.0.0.300\"]", "server[0].allow_from[1]: \"10.0.0.300\" is not valid (")]
        [InlineData("allow_from = \"127.0.0.1\"", "server[0].allow_from: \"127.0.0.1\" is not valid (a string, not a list). Accepted: a list of strings, each an IPv4 or IPv6 address")]
        [InlineData("deny_from = [\"::1/129\"]", "server[0].deny_from[0]: \"::1/129\" is not valid (")]
        [InlineData("connection_rate_per_source = \"100/h\"", "server[0].connection_rate_per_source: \"100/h\" is not valid (not a connection rate). Accepted: \"none\" (no limit), or a count per second or per minute, as 100/s or 600/m")]
        [InlineData("max_connections_per_source = -1", "server[0].max_connections_per_source: -1 is not valid (out of range). Accepted: a whole number, 0 or more.")]
        [InlineData("accept_proxy_protocol = \"yes\"", "server[0].accept_proxy_protocol: \"yes\" is not valid (a string, not true or false). Accepted: true or false.")]
        [InlineData("transport = \"epoll\"", "server[0].transport: \"epoll\" is not valid (not a transport). Accepted: Auto, Loop or Stream (case does not count).")]
        [InlineData("listne = 3", "server[0].listne: 'listne' is not a known key. Did you mean 'listen'? Valid keys here: name, listen, transport, max_connections, queue_length, queue_timeout, idle_timeout, fin_timeout, allow_from, deny_from, max_connections_per_source, connection_rate_per_source, accept_proxy_protocol, proxy_header_timeout, forward.")]
        public void A_bad_server_value_names_its_line_key_and_value(string setting, string expected)
        {
            var e = ReadFails("[[server]]\n" + setting + "\n", ConfigurationFormat.Toml, "lb.toml");

            Assert.StartsWith("lb.toml, line 2: " + expected, e.Message);
        }

        [Fact]
        public void Two_forward_tables_in_one_server_are_an_error_that_says_why()
        {
            var e = ReadFails("[[server]]\n[[server.forward]]\nbackends=[\"1\"]\n[[server.forward]]\nbackends=[\"2\"]\n", ConfigurationFormat.Toml, "lb.toml");

            Assert.Equal("lb.toml, line 2: server[0].forward: holds 2 tables; a server forwards to one pool, so give exactly one forward table per server (for another pool, add another server).", e.Message);
        }

        [Fact]
        public void A_key_spelled_twice_in_two_styles_is_an_error()
        {
            var e = ReadFails("{ \"server\": [ { \"maxConnections\": 1, \"max_connections\": 2 } ] }", ConfigurationFormat.Json, "lb.json");

            Assert.Equal("lb.json, line 1: server[0].max_connections: the key is given twice ('maxConnections' and 'max_connections' are one key: case, '_' and '-' do not count). Give it once.", e.Message);
        }

        [Theory]
        [InlineData("", ConfigurationFormat.Toml, "lb.toml, line 1: the file defines no server.")]
        [InlineData("[[servers]]\n", ConfigurationFormat.Toml, "lb.toml, line 1: servers: 'servers' is not a known key. Did you mean 'server'? Valid keys here: server.")]
        [InlineData("", ConfigurationFormat.Json, "lb.toml: the file is empty")]
        [InlineData("[1]", ConfigurationFormat.Json, "lb.toml, line 1: the file holds a list; it must hold a table with a 'server' list.")]
        [InlineData("{ \"server\": [] } x", ConfigurationFormat.Json, "lb.toml, line 1: not valid JSON:")]
        public void A_file_without_servers_says_what_it_needs(string text, ConfigurationFormat format, string expected)
        {
            var e = ReadFails(text, format, "lb.toml");

            Assert.StartsWith(expected, e.Message);
        }

        [Theory]
        [InlineData("lb.ini")]
        [InlineData("lb")]
        public void An_unknown_extension_names_the_accepted_ones(string path)
        {
            var e = Assert.Throws<ConfigurationException>(() => BalancerConfiguration.FormatOf(path));

            Assert.EndsWith("is not a configuration file extension. Accepted: .psd1 (a PowerShell data file), .json or .toml.", e.Message);
        }
    }
}
