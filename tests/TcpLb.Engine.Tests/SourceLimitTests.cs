using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using TcpLb.Engine.Access;
using TcpLb.Engine.Backends;
using TcpLb.Engine.Net;
using Xunit;

namespace TcpLb.Engine.Tests
{
    /// <summary>-MaxConnectionsPerSource and -ConnectionRatePerSource: the table, its bound, and real connections from 127.x sources.</summary>
    public class SourceLimitTests
    {
        /// <summary>The transport these tests run on; a subclass in OnLoopTransportTests.cs runs them on the event loop.</summary>
        protected virtual Balancing.BalancerTransport Transport => Balancing.BalancerTransport.Stream;

        private static AddressBits Source(int i) => new AddressBits(0x2001_0db8_0000_0000UL, (ulong)i);

        [Fact]
        public void The_table_stays_bounded_with_100000_distinct_sources_and_forgets_the_least_recently_seen()
        {
            var table = new SourceTable(maxOpenPerSource: 2, rate: ConnectionRate.Parse("5/s"), capacity: 4096);
            long now = Stopwatch.GetTimestamp();
            // The first 10 sources keep a connection open: they are never forgotten.
            var pinned = new List<int>();
            for (int i = 0; i < 10; i++)
            {
                Assert.Equal(SourceVerdict.Admitted, table.TryAdmit(Source(i), now, out int ticket));
                pinned.Add(ticket);
            }
            for (int i = 10; i < 100_000; i++)
            {
                Assert.Equal(SourceVerdict.Admitted, table.TryAdmit(Source(i), now, out int ticket));
                table.Release(ticket);
                Assert.True(table.Count <= table.Capacity);
            }

            Assert.Equal(4096, table.Count);
            Assert.Equal(4096, table.Allocated);
            Assert.Equal(100_000 - 4096, table.Evicted);
            for (int i = 0; i < 10; i++)
            {
                Assert.Equal(1, table.OpenConnections(Source(i)));
            }
            Assert.Equal(0, table.OpenConnections(Source(10))); // forgotten long ago
            Assert.Equal(SourceVerdict.Admitted, table.TryAdmit(Source(0), now, out int second));
            Assert.Equal(SourceVerdict.ConnectionLimit, table.TryAdmit(Source(0), now, out _));
            table.Release(second);
        }

        [Fact]
        public void A_table_full_of_sources_with_open_connections_refuses_new_sources_until_one_closes()
        {
            var table = new SourceTable(maxOpenPerSource: 1, rate: default, capacity: 3);
            var tickets = new int[3];
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(SourceVerdict.Admitted, table.TryAdmit(Source(i), 0, out tickets[i]));
            }
            Assert.Equal(SourceVerdict.TableFull, table.TryAdmit(Source(3), 0, out _));
            table.Release(tickets[1]);
            Assert.Equal(SourceVerdict.Admitted, table.TryAdmit(Source(3), 0, out _));
            Assert.Equal(0, table.OpenConnections(Source(1)));
            Assert.Equal(1, table.Evicted);
        }

        [Fact]
        public void The_rate_is_a_token_bucket_of_the_rate_s_count_that_refills_with_time()
        {
            var table = new SourceTable(maxOpenPerSource: 0, rate: ConnectionRate.Parse("3/s"), capacity: 16);
            long t = 1_000_000;
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(SourceVerdict.Admitted, table.TryAdmit(Source(1), t, out int ticket));
                table.Release(ticket);
            }
            Assert.Equal(SourceVerdict.RateLimit, table.TryAdmit(Source(1), t, out _));
            Assert.Equal(SourceVerdict.Admitted, table.TryAdmit(Source(2), t, out _)); // another source has its own bucket
            long oneThirdSecond = Stopwatch.Frequency / 3 + 1;
            Assert.Equal(SourceVerdict.Admitted, table.TryAdmit(Source(1), t + oneThirdSecond, out _));
            Assert.Equal(SourceVerdict.RateLimit, table.TryAdmit(Source(1), t + oneThirdSecond, out _));
        }

        [Fact]
        public void The_accept_time_checks_allocate_nothing_for_an_IPv4_client()
        {
            var gate = new SourceGate(AccessRules.Create(new[] { "127.0.0.0/8", "::1", "10.0.0.0/8" }, new[] { "203.0.113.0/24" }), 100_000, ConnectionRate.Parse("1000000/s"));
            var client = IPAddress.Parse("127.0.0.1");
            gate.Check(client, out int warm);
            gate.Release(warm);

            int refused = 0;
            long allocated = Allocations.QuietestOf(10_000, () =>
            {
                if (gate.Check(client, out int ticket) != SourceVerdict.Admitted)
                {
                    refused++; // not Assert here: xunit's assertions allocate
                }
                gate.Release(ticket);
            });
            Assert.Equal(0, refused);
            Assert.Equal(0, allocated);
        }

        [Theory]
        [InlineData("100/s", 100, 1)]
        [InlineData("600/m", 600, 60)]
        [InlineData("7", 7, 1)]
        [InlineData(" 20 / sec ", 20, 1)]
        public void Rates_parse(string text, int count, int seconds)
        {
            ConnectionRate rate = ConnectionRate.Parse(text);
            Assert.Equal(count, rate.Count);
            Assert.Equal(TimeSpan.FromSeconds(seconds), rate.Period);
        }

        [Theory]
        [InlineData("0/s")]
        [InlineData("100/h")]
        [InlineData("-1")]
        [InlineData("")]
        [InlineData("fast")]
        public void Bad_rates_are_refused_with_the_text(string text)
        {
            var e = Assert.Throws<FormatException>(() => ConnectionRate.Parse(text));
            Assert.Contains($"'{text}'", e.Message);
            Assert.Contains("100/s", e.Message);
        }

        [Fact]
        public async Task One_source_cannot_hold_more_than_its_connections_and_others_still_get_in()
        {
            await using var net = new TestNet(Transport);
            var backend = net.Backend(TcpBackendMode.Echo);
            var balancer = net.Balancer(o =>
            {
                o.MaxConnections = 5;
                o.MaxConnectionsPerSource = 3;
            }, backend.Port);

            var held = new List<Socket>();
            try
            {
                for (int i = 0; i < 3; i++)
                {
                    held.Add(await SourceClient.ConnectAsync("127.0.0.2", "127.0.0.1", balancer.Port));
                    await EchoOneByteAsync(held[i]);
                }
                // Idle connections of one source: its fourth is reset at once, not queued.
                Assert.Null(await SourceClient.AskAsync("127.0.0.2", "127.0.0.1", balancer.Port));
                Assert.Null(await SourceClient.AskAsync("127.0.0.2", "127.0.0.1", balancer.Port));
                Assert.Equal("Hello\n", await SourceClient.AskAsync("127.0.0.3", "127.0.0.1", balancer.Port));

                Assert.Equal(2, balancer.Access.ConnectionLimited);
                Assert.Equal(2, balancer.Statistics.Rejected);
                Assert.Equal(3, balancer.Access.Sources!.OpenConnections(AddressBits.From(IPAddress.Parse("127.0.0.2"))));
            }
            finally
            {
                held.ForEach(s => s.Dispose());
            }
            // Closed connections give their slots back.
            await WaitUntilAsync(() => balancer.Access.Sources!.OpenConnections(AddressBits.From(IPAddress.Parse("127.0.0.2"))) == 0);
            Assert.Equal("Hello\n", await SourceClient.AskAsync("127.0.0.2", "127.0.0.1", balancer.Port));
        }

        [Fact]
        public async Task A_source_over_its_rate_is_reset_and_counted_while_another_source_is_served()
        {
            await using var net = new TestNet(Transport);
            var backend = net.Backend();
            // 10 per minute: the bucket refills one token every 6 s, far longer than this test's burst.
            var balancer = net.Balancer(o => o.ConnectionRatePerSource = ConnectionRate.Parse("10/m"), backend.Port);

            int served = 0, reset = 0;
            for (int i = 0; i < 25; i++)
            {
                if (await SourceClient.AskAsync("127.0.0.5", "127.0.0.1", balancer.Port) == null)
                {
                    reset++;
                }
                else
                {
                    served++;
                }
            }
            Assert.InRange(served, 10, 11); // the burst, and at most one refilled token on a very slow machine
            Assert.Equal(25 - served, reset);
            Assert.Equal(reset, balancer.Access.RateLimited);
            Assert.Equal(reset, balancer.Statistics.Rejected);
            Assert.StartsWith("Response from server", await SourceClient.AskAsync("127.0.0.6", "127.0.0.1", balancer.Port));
            Assert.Equal(served + 1, backend.ConnectionsAccepted);
        }

        private static async Task EchoOneByteAsync(Socket socket)
        {
            await socket.SendAsync(new byte[] { 7 }.AsMemory(), SocketFlags.None);
            var one = new byte[1];
            Assert.Equal(1, await socket.ReceiveAsync(one.AsMemory(), SocketFlags.None).AsTask().WaitAsync(TestNet.Patience));
        }

        private static async Task WaitUntilAsync(Func<bool> condition)
        {
            var deadline = Stopwatch.StartNew();
            while (!condition())
            {
                Assert.True(deadline.Elapsed < TestNet.Patience, "The condition did not hold in time.");
                await Task.Delay(20);
            }
        }
    }
}
