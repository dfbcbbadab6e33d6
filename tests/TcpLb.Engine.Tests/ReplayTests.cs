using System;
using System.Linq;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Backends;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Probing;
using TcpLb.Engine.Proxying;

namespace TcpLb.Engine.Tests
{
    /// <summary>
    /// Redispatch with replay: a backend that resets or closes a connection before its first byte
    /// (or leaves it unanswered past the response timeout) loses it to another backend, which gets
    /// the client's bytes again, byte-exact and in order.
    /// </summary>
    public class ReplayTests
    {
        /// <summary>The transport these tests run on; a subclass in OnLoopTransportTests.cs runs them on the event loop.</summary>
        protected virtual BalancerTransport Transport => BalancerTransport.Stream;

        private static void NoChecks(TcpBalancerOptions o) => o.HealthCheck.Interval = TimeSpan.Zero;

        private static byte[] Pattern(int length, int seed)
        {
            var bytes = new byte[length];
            new Random(seed).NextBytes(bytes);
            return bytes;
        }

        private static void Reset(Socket socket)
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Dispose();
        }

        [Theory]
        [InlineData(TcpBackendFault.Reset)]
        [InlineData(TcpBackendFault.Close)]
        public async Task A_backend_that_resets_or_closes_right_after_accept_fails_no_client(TcpBackendFault fault)
        {
            await using var net = new TestNet(Transport);
            TcpTestBackend broken = net.Backend(), good = net.Backend();
            broken.SetBehavior(fault: fault);
            // A clean close is replayed only when asked for (EmptyResponse); a reset is by default.
            TcpBalancer balancer = net.Balancer(o => { NoChecks(o); if (fault == TcpBackendFault.Close) { o.RetryOn |= RetryConditions.EmptyResponse; } }, broken.Port, good.Port);

            var results = await TestNet.ProbeAsync(balancer.Port, 6);

            Assert.All(results, r => Assert.True(r.Status == TcpProbeStatus.Success && r.Backend == good.Port, $"{r.Status} from {r.Backend}: {r.Error}"));
            // A reset this early often fails the connect itself (a retry); otherwise the connection
            // moves (a redispatch). A move takes a turn of the rotation, as a retry does.
            long tried = broken.ConnectionsAcceptedWith(fault);
            Assert.InRange(tried, 3, 6);
            Assert.Equal(tried, balancer.Statistics.Redispatched + balancer.Statistics.Retried);
            Assert.Equal(balancer.Statistics.Redispatched, balancer.Backends[0].Redispatched);
            Assert.Equal(0, balancer.Backends[1].Redispatched);
            Assert.Equal(0, balancer.Statistics.Failed);
            if (fault == TcpBackendFault.Close)
            {
                Assert.Equal(tried, balancer.Statistics.Redispatched);
            }
            // Each client counts once, however often it moved: Accepted = Served + Failed + Rejected + LoopsCut.
            Assert.True(SpinWait.SpinUntil(() => balancer.ActiveConnections == 0, TestNet.Patience), "connections still open");
            Assert.Equal(6, balancer.Statistics.Served);
            Assert.Equal(6, balancer.Statistics.Accepted);
        }

        [Fact]
        public async Task A_backend_that_resets_after_reading_the_request_loses_it_to_another_and_the_client_does_not_notice()
        {
            await using var net = new TestNet(Transport);
            using var resetting = new RawBackend();
            Task resets = resetting.ResetAfterRequestsAsync();
            TcpTestBackend good = net.Backend();
            TcpBalancer balancer = net.Balancer(NoChecks, resetting.Port, good.Port);

            var results = await TestNet.ProbeAsync(balancer.Port, 6);

            Assert.All(results, r => Assert.True(r.Status == TcpProbeStatus.Success && r.Backend == good.Port, $"{r.Status} from {r.Backend}: {r.Error}"));
            Assert.InRange(resetting.ResetCount, 3, 6);
            Assert.Equal(resetting.ResetCount, balancer.Statistics.Redispatched);
            Assert.Equal(resetting.ResetCount, balancer.Backends[0].Redispatched);
            Assert.Equal(0, balancer.Statistics.Failed);
        }

        [Fact]
        public async Task With_replay_off_the_client_sees_the_reset()
        {
            await using var net = new TestNet(Transport);
            using var resetting = new RawBackend();
            Task resets = resetting.ResetAfterRequestsAsync();
            TcpTestBackend good = net.Backend();
            TcpBalancer balancer = net.Balancer(o => { NoChecks(o); o.Replay = false; }, resetting.Port, good.Port);

            var results = await TestNet.ProbeAsync(balancer.Port, 4);

            Assert.Equal(new[] { TcpProbeStatus.Reset, TcpProbeStatus.Success, TcpProbeStatus.Reset, TcpProbeStatus.Success }, results.Select(r => r.Status));
            Assert.Equal(new int?[] { null, good.Port, null, good.Port }, results.Select(r => r.Backend));
            Assert.Equal(0, balancer.Statistics.Redispatched);
            Assert.Equal(2, balancer.Statistics.Failed);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task The_replayed_bytes_reach_the_next_backend_byte_exact_and_in_order_then_the_rest(bool finBeforeReset)
        {
            await using var net = new TestNet(Transport);
            using var first = new RawBackend();
            TcpTestBackend echo = net.Backend(TcpBackendMode.Echo);
            TcpBalancer balancer = net.Balancer(NoChecks, first.Port, echo.Port);
            byte[] part1 = Pattern(30_000, 1), part2 = Pattern(20_000, 2); // 50 KB in all: within what is held

            using Socket client = await TestNet.ConnectAsync(balancer.Port);
            await client.SendAsync(part1, SocketFlags.None);
            if (finBeforeReset)
            {
                client.Shutdown(SocketShutdown.Send);
            }
            Socket doomed = await first.AcceptAsync();
            Assert.Equal(part1, await RawBackend.ReadExactlyAsync(doomed, part1.Length));
            Reset(doomed);

            byte[] expected = part1;
            if (!finBeforeReset)
            {
                await client.SendAsync(part2, SocketFlags.None);
                client.Shutdown(SocketShutdown.Send);
                expected = part1.Concat(part2).ToArray();
            }

            Assert.Equal(expected, await TestNet.ReadToEndAsync(client));
            Assert.Equal(1, balancer.Statistics.Redispatched);
            Assert.Equal(1, balancer.Backends[0].Redispatched);
            Assert.Equal(expected.Length, balancer.Backends[1].BytesToBackend.Bytes);
            Assert.Equal(expected.Length, balancer.Statistics.BytesFromClients.Bytes);
        }

        [Fact]
        public async Task Bytes_sent_while_the_connection_moves_follow_the_replay_in_order()
        {
            await using var net = new TestNet(Transport);
            using var first = new RawBackend();
            TcpTestBackend echo = net.Backend(TcpBackendMode.Echo);
            TcpBalancer balancer = net.Balancer(NoChecks, first.Port, echo.Port);
            byte[] all = Pattern(60_000, 3);

            using Socket client = await TestNet.ConnectAsync(balancer.Port);
            Socket doomed = await first.AcceptAsync();
            Task<byte[]> echoed = TestNet.ReadToEndAsync(client);
            // Small chunks while the first backend reads a little, resets, and the connection moves.
            Task sending = Task.Run(async () =>
            {
                for (int offset = 0; offset < all.Length; offset += 1000)
                {
                    await client.SendAsync(all.AsMemory(offset, 1000), SocketFlags.None);
                    await Task.Yield();
                }
                client.Shutdown(SocketShutdown.Send);
            });
            await RawBackend.ReadExactlyAsync(doomed, 5000);
            Reset(doomed);
            await sending;

            Assert.Equal(all, await echoed);
            Assert.Equal(1, balancer.Statistics.Redispatched);
        }

        [Fact]
        public async Task More_than_64_KiB_before_the_first_answer_cannot_be_replayed_so_the_client_sees_the_reset()
        {
            await using var net = new TestNet(Transport);
            using var first = new RawBackend();
            TcpTestBackend echo = net.Backend(TcpBackendMode.Echo);
            TcpBalancer balancer = net.Balancer(NoChecks, first.Port, echo.Port);
            byte[] big = Pattern(ReplayBuffer.Capacity + 1000, 4);

            using Socket client = await TestNet.ConnectAsync(balancer.Port);
            await client.SendAsync(big, SocketFlags.None);
            Socket doomed = await first.AcceptAsync();
            await RawBackend.ReadExactlyAsync(doomed, big.Length);
            Reset(doomed);

            await Assert.ThrowsAnyAsync<SocketException>(async () => await TestNet.ReadToEndAsync(client));
            Assert.Equal(0, balancer.Statistics.Redispatched);
            Assert.Equal(0, echo.ConnectionsAccepted);
        }

        [Fact]
        public async Task Once_the_backend_answers_a_reset_is_passed_on_not_replayed()
        {
            await using var net = new TestNet(Transport);
            using var first = new RawBackend();
            TcpTestBackend echo = net.Backend(TcpBackendMode.Echo);
            TcpBalancer balancer = net.Balancer(NoChecks, first.Port, echo.Port);

            using Socket client = await TestNet.ConnectAsync(balancer.Port);
            await client.SendAsync(new byte[] { 1, 2, 3 }, SocketFlags.None);
            Socket answered = await first.AcceptAsync();
            await RawBackend.ReadExactlyAsync(answered, 3);
            await answered.SendAsync(new byte[] { 9 }, SocketFlags.None);
            Assert.Equal(new byte[] { 9 }, await RawBackend.ReadExactlyAsync(client, 1));
            Reset(answered);

            await Assert.ThrowsAnyAsync<SocketException>(async () => await TestNet.ReadToEndAsync(client));
            Assert.Equal(0, balancer.Statistics.Redispatched);
            Assert.Equal(0, echo.ConnectionsAccepted);
        }

        [Fact]
        public async Task Replay_and_connect_retries_share_the_Retries_budget()
        {
            await using var net = new TestNet(Transport);
            using var r1 = new RawBackend();
            using var r2 = new RawBackend();
            Task resets1 = r1.ResetAfterRequestsAsync(), resets2 = r2.ResetAfterRequestsAsync();
            TcpTestBackend good = net.Backend();
            TcpBalancer balancer = net.Balancer(o => { NoChecks(o); o.Retries = 1; }, r1.Port, r2.Port, good.Port);

            // r1 resets, the connection moves to r2 (the one retry), which resets too: the client sees it.
            TcpProbeResult result = (await TestNet.ProbeAsync(balancer.Port, 1)).Single();

            Assert.Equal(TcpProbeStatus.Reset, result.Status);
            Assert.Equal(1, balancer.Statistics.Redispatched);
            // Counted once the reset has been passed on, so the client can see it first.
            Assert.True(SpinWait.SpinUntil(() => balancer.Statistics.Failed >= 1, TestNet.Patience), "the failed connection was never counted");
            Assert.Equal(1, balancer.Statistics.Failed);
            Assert.Equal(0, good.ConnectionsAccepted);
        }

        [Fact]
        public async Task A_backend_that_stops_listening_mid_run_fails_no_probe()
        {
            await using var net = new TestNet(Transport);
            TcpTestBackend steady = net.Backend(), flapping = net.Backend();
            TcpBalancer balancer = net.Balancer(o =>
            {
                o.HealthCheck.Interval = TimeSpan.FromMilliseconds(50);
                o.HealthCheck.Timeout = TimeSpan.FromMilliseconds(500);
                o.HealthCheck.Rise = 1;
                o.HealthCheck.Fall = 1;
            }, steady.Port, flapping.Port);

            Task<System.Collections.Generic.List<TcpProbeResult>> probing = TestNet.ProbeAsync(balancer.Port, 600, concurrency: 8);
            for (int round = 0; round < 6 && !probing.IsCompleted; round++)
            {
                flapping.SetBehavior(fault: TcpBackendFault.Refuse);
                await Task.Delay(30);
                flapping.SetBehavior(fault: TcpBackendFault.None);
                await Task.Delay(30);
            }
            var results = await probing;

            var failed = results.Where(r => r.Status != TcpProbeStatus.Success).ToList();
            Assert.True(failed.Count == 0, $"{failed.Count} probes failed, the first: {failed.FirstOrDefault()?.Status} {failed.FirstOrDefault()?.Error}; redispatched {balancer.Statistics.Redispatched}");
        }

        [Fact]
        public void The_held_copy_is_released_at_the_first_answer_so_an_answered_or_idle_connection_holds_no_buffer()
        {
            using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            var pending = new PendingResponse(replay: true);
            pending.Attach(server, null);
            Assert.False(pending.HoldsBuffer); // connected, nothing sent: nothing held

            Assert.Equal(PendingResponse.ForwardState.Held, pending.Forward(new byte[] { 1, 2, 3 }, 3).State);
            Assert.True(pending.HoldsBuffer);
            Assert.True(pending.CanReplay);

            pending.OnFirstResponseByte();

            Assert.False(pending.HoldsBuffer);
            Assert.False(pending.CanReplay);
            Assert.Equal(PendingResponse.ForwardState.Settled, pending.Forward(new byte[] { 4 }, 1).State);
            Assert.False(pending.HoldsBuffer);
        }

        [Fact]
        public void The_replay_buffer_grows_with_what_it_holds_and_gives_up_past_64_KiB()
        {
            var held = new ReplayBuffer();
            var chunk = new byte[16 * 1024];

            for (int i = 0; i < 4; i++)
            {
                Assert.True(held.TryAppend(chunk, 0, chunk.Length));
            }
            Assert.Equal(ReplayBuffer.Capacity, held.Count);

            Assert.False(held.TryAppend(chunk, 0, 1));
            Assert.True(held.Overflowed);
            Assert.False(held.HoldsArray);
            Assert.False(held.TryAppend(chunk, 0, 1));
        }
    }
}
