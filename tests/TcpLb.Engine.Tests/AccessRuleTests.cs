using System;
using System.Net;
using System.Threading.Tasks;
using TcpLb.Engine.Access;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Net;
using Xunit;

namespace TcpLb.Engine.Tests
{
    /// <summary>-AllowFrom / -DenyFrom: parsing, decisions, and real connections from 127.x and ::1 sources.</summary>
    public class AccessRuleTests
    {
        [Theory]
        [InlineData("10.0.0.0/8", "10.255.1.2", true)]
        [InlineData("10.0.0.0/8", "11.0.0.1", false)]
        [InlineData("10.1.2.3/8", "10.9.9.9", true)] // host bits ignored
        [InlineData("192.0.2.10", "192.0.2.10", true)]
        [InlineData("192.0.2.10", "192.0.2.11", false)]
        [InlineData("0.0.0.0/0", "203.0.113.9", true)]
        [InlineData("0.0.0.0/0", "2001:db8::1", false)] // an IPv4 range holds no IPv6 address
        [InlineData("127.0.0.2/32", "::ffff:127.0.0.2", true)] // a dual-stack listener's mapped client
        [InlineData("2001:db8::/32", "2001:db8:ffff::1", true)]
        [InlineData("2001:db8::/32", "2001:db9::1", false)]
        [InlineData("::1", "::1", true)]
        [InlineData("[::1]", "::1", true)]
        [InlineData("::1", "127.0.0.1", false)]
        [InlineData("::/0", "2001:db8::1", true)]
        [InlineData("fe80::/10", "febf::1", true)]
        public void A_range_contains_its_addresses_only(string range, string address, bool contains)
            => Assert.Equal(contains, AddressRange.Parse(range).Contains(IPAddress.Parse(address)));

        [Theory]
        [InlineData("", "empty")]
        [InlineData("10.0.0.0/33", "'33' is not a number from 0 to 32")]
        [InlineData("::/129", "'129' is not a number from 0 to 128")]
        [InlineData("10", "not an IPv4 address")]
        [InlineData("1.2.3", "not an IPv4 address")]
        [InlineData("256.1.1.1", "not an IPv4 address")]
        [InlineData("10.0.0.0/", "'' is not a number")]
        [InlineData("10.0.0.0/-1", "'-1' is not a number")]
        [InlineData("localhost", "not an IPv4 address")]
        [InlineData("fe80::1%eth0", "not an IPv6 address")]
        [InlineData("::g", "not an IPv6 address")]
        public void Bad_ranges_are_refused_with_the_text_and_the_accepted_forms(string text, string problem)
        {
            var e = Assert.Throws<FormatException>(() => AddressRange.Parse(text));
            Assert.Contains($"'{text}'", e.Message);
            Assert.Contains(problem, e.Message);
            Assert.Contains("10.0.0.0/8", e.Message);
        }

        [Theory]
        [InlineData("10.1.2.3/8", "10.0.0.0/8")]
        [InlineData("192.0.2.10/32", "192.0.2.10")]
        [InlineData("2001:DB8::1/32", "2001:db8::/32")]
        [InlineData(" ::1 ", "::1")]
        public void Ranges_print_normalized(string text, string printed) => Assert.Equal(printed, AddressRange.Parse(text).ToString());

        [Fact]
        public void Deny_wins_over_allow_and_every_decision_is_counted_on_its_rule()
        {
            AccessRules rules = AccessRules.Create(new[] { "127.0.0.0/8", "::1" }, new[] { "127.0.0.3" });

            Assert.True(rules.Admits(AddressBits.From(IPAddress.Parse("127.0.0.2"))));
            Assert.False(rules.Admits(AddressBits.From(IPAddress.Parse("127.0.0.3"))));
            Assert.False(rules.Admits(AddressBits.From(IPAddress.Parse("192.0.2.1"))));
            Assert.True(rules.Admits(AddressBits.From(IPAddress.Parse("::1"))));

            Assert.Equal(1, rules.Allow[0].Matches);
            Assert.Equal(1, rules.Allow[1].Matches);
            Assert.Equal(1, rules.Deny[0].Matches);
            Assert.Equal(1, rules.NotAllowed);
        }

        [Fact]
        public void No_allow_rules_admit_everyone_not_denied()
        {
            AccessRules rules = AccessRules.Create(null, new[] { "2001:db8::/32" });

            Assert.True(rules.Admits(AddressBits.From(IPAddress.Parse("192.0.2.1"))));
            Assert.False(rules.Admits(AddressBits.From(IPAddress.Parse("2001:db8::5"))));
            Assert.True(AccessRules.None.IsEmpty);
        }

        [Fact]
        public async Task Allow_and_deny_hold_for_real_IPv4_sources_and_refused_clients_are_reset_before_any_backend()
        {
            await using var net = new TestNet();
            var backend = net.Backend();
            var balancer = net.Balancer(o =>
            {
                o.AllowFrom.Add("127.0.0.0/24");
                o.DenyFrom.Add("127.0.0.3");
            }, backend.Port);

            Assert.StartsWith("Response from server", await SourceClient.AskAsync("127.0.0.2", "127.0.0.1", balancer.Port));
            Assert.Null(await SourceClient.AskAsync("127.0.0.3", "127.0.0.1", balancer.Port)); // denied over allowed
            Assert.Null(await SourceClient.AskAsync("127.0.1.2", "127.0.0.1", balancer.Port)); // outside the allow list

            Assert.Equal(1, backend.ConnectionsAccepted);
            Assert.Equal(2, balancer.Statistics.Denied);
            Assert.Equal(1, balancer.Access.Rules.Deny[0].Matches);
            Assert.Equal(1, balancer.Access.Rules.Allow[0].Matches);
            Assert.Equal(1, balancer.Access.Rules.NotAllowed);
            Assert.Equal(2, balancer.Access.Denied);
        }

        [Fact]
        public async Task Allow_and_deny_hold_for_IPv6_sources()
        {
            await using var net = new TestNet();
            var backend = net.Backend();
            var balancer = net.Balancer(o =>
            {
                o.ListenAddress = IPAddress.IPv6Loopback;
                o.AllowFrom.Add("::1/128");
            }, backend.Port);

            Assert.StartsWith("Response from server", await SourceClient.AskAsync("::1", "::1", balancer.Port));

            balancer.SetAccessRules(AccessRules.Create(new[] { "::1" }, new[] { "::/64" }));
            Assert.Null(await SourceClient.AskAsync("::1", "::1", balancer.Port));
            Assert.Equal(1, balancer.Statistics.Denied);
            Assert.Equal(1, balancer.Access.Rules.Deny[0].Matches);
        }

        [Fact]
        public async Task Rules_change_at_run_time_for_new_connections_while_open_ones_stay()
        {
            await using var net = new TestNet();
            var backend = net.Backend(Backends.TcpBackendMode.Echo);
            var balancer = net.Balancer(backend.Port);
            using var open = await SourceClient.ConnectAsync("127.0.0.2", "127.0.0.1", balancer.Port);
            await open.SendAsync(new byte[] { 1 }.AsMemory(), System.Net.Sockets.SocketFlags.None);
            var one = new byte[1];
            Assert.Equal(1, await open.ReceiveAsync(one.AsMemory(), System.Net.Sockets.SocketFlags.None).AsTask().WaitAsync(TestNet.Patience));

            balancer.SetAccessRules(AccessRules.Create(null, new[] { "127.0.0.2" }));

            Assert.Null(await SourceClient.AskAsync("127.0.0.2", "127.0.0.1", balancer.Port));
            Assert.NotNull(await SourceClient.AskAsync("127.0.0.4", "127.0.0.1", balancer.Port));
            await open.SendAsync(new byte[] { 2 }.AsMemory(), System.Net.Sockets.SocketFlags.None);
            Assert.Equal(1, await open.ReceiveAsync(one.AsMemory(), System.Net.Sockets.SocketFlags.None).AsTask().WaitAsync(TestNet.Patience));
            Assert.Equal(2, one[0]);
            Assert.Equal(new[] { "127.0.0.2" }, balancer.CurrentConfiguration().DenyFrom);

            balancer.SetAccessRules(AccessRules.None);
            Assert.NotNull(await SourceClient.AskAsync("127.0.0.2", "127.0.0.1", balancer.Port));
            Assert.Equal(1, balancer.Statistics.Denied);
        }

        [Fact]
        public void Bad_rules_in_the_options_are_refused_at_construction()
        {
            var options = new TcpBalancerOptions { Port = 0 };
            options.Backends.Add(new BackendAddress("127.0.0.1", 1));
            options.DenyFrom.Add("10.0.0.0/40");

            var e = Assert.Throws<ArgumentException>(() => new TcpBalancer(options));
            Assert.Contains("'10.0.0.0/40'", e.Message);
        }
    }
}
