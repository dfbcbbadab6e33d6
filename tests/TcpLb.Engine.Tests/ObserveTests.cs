using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Backends;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Probing;

namespace TcpLb.Engine.Tests
{
    /// <summary>
    /// Passive health from live traffic: a connection that the backend resets, or leaves
    /// unanswered past the response timeout (when one is set), before its first byte counts as a
    /// failure; a clean close and silence do not; Fall in a row take it Down; a first byte clears
    /// the run; active checks bring it back.
    /// </summary>
    public class ObserveTests
    {

        private static async Task<TcpProbeResult> ProbeOnceAsync(int port) => (await TestNet.ProbeAsync(port, 1)).Single();

        [Fact]
        public async Task A_reset_before_the_first_byte_counts_a_first_byte_clears_the_run_and_Fall_in_a_row_take_the_backend_Down()
        {
            await using var net = new TestNet();
            using var raw = new RawBackend();
            TcpBalancer balancer = net.Balancer(TestNet.RareChecks, raw.Port);
            Backend watched = balancer.Backends[0];

            await ResetBeforeAnswerAsync(balancer, raw);
            Assert.Equal(1, watched.Failures);
            Assert.Equal(BackendState.Up, watched.State);
            Assert.Contains("reset before its first byte", watched.LastError);

            // An answer ends the run. The whole request is read first (up to the probe's FIN): a close
            // with bytes left unread would reset the connection after the answer.
            Task<TcpProbeResult> answered = ProbeOnceAsync(balancer.Port);
            using (System.Net.Sockets.Socket server = await raw.AcceptAsync())
            {
                Assert.True(await RawBackend.ReadToEndAsync(server) > 0);
                await server.SendAsync(new byte[] { 42 }, System.Net.Sockets.SocketFlags.None);
                server.Shutdown(System.Net.Sockets.SocketShutdown.Both);
            }
            Assert.Equal(TcpProbeStatus.Success, (await answered).Status);

            await ResetBeforeAnswerAsync(balancer, raw);
            Assert.Equal(BackendState.Up, watched.State); // one in a row again

            Task down = BalancerEvents.WhenState(balancer, raw.Port, BackendState.Down);
            await ResetBeforeAnswerAsync(balancer, raw);
            await down;
            Assert.Equal(3, watched.Failures);
        }

        /// <summary>One probe whose backend connection the raw backend resets after reading the request.</summary>
        private static async Task ResetBeforeAnswerAsync(TcpBalancer balancer, RawBackend raw)
        {
            Task<TcpProbeResult> probe = ProbeOnceAsync(balancer.Port);
            System.Net.Sockets.Socket server = await raw.AcceptAsync();
            await RawBackend.ReadExactlyAsync(server, 1);
            server.LingerState = new System.Net.Sockets.LingerOption(true, 0);
            server.Dispose();
            TcpProbeResult result = await probe;
            Assert.True(result.Status == TcpProbeStatus.Reset, $"{result.Status}: {result.Error}");
        }

        [Fact]
        public async Task A_close_before_the_first_byte_is_not_a_failure_its_FIN_reaches_the_client()
        {
            await using var net = new TestNet();
            TcpTestBackend backend = net.Backend();
            backend.SetBehavior(fault: TcpBackendFault.Close);
            TcpBalancer balancer = net.Balancer(TestNet.RareChecks, backend.Port);

            var results = await TestNet.ProbeAsync(balancer.Port, 4);

            Assert.All(results, r => Assert.True(r.Status == TcpProbeStatus.Success && r.Response == "", $"{r.Status}: '{r.Response}' {r.Error}"));
            Assert.Equal(0, balancer.Backends[0].Failures);
            Assert.Equal(BackendState.Up, balancer.Backends[0].State);
            Assert.True(SpinWait.SpinUntil(() => balancer.ActiveConnections == 0, TestNet.Patience), "connections still open");
            Assert.Equal(4, balancer.Statistics.Served);
            Assert.Equal(0, balancer.Statistics.Failed);
            Assert.Equal(4, balancer.Backends[0].TotalConnections);
        }

        [Fact]
        public async Task Unanswered_past_the_response_timeout_counts_as_a_failure_and_with_no_other_backend_resets_the_client()
        {
            await using var net = new TestNet();
            TcpTestBackend backend = net.Backend();
            backend.SetBehavior(fault: TcpBackendFault.Blackhole);
            TcpBalancer balancer = net.Balancer(o => { TestNet.RareChecks(o); o.ResponseTimeout = TimeSpan.FromMilliseconds(300); }, backend.Port);

            var clock = Stopwatch.StartNew();
            TcpProbeResult result = await ProbeOnceAsync(balancer.Port);
            clock.Stop();

            Assert.True(result.Status == TcpProbeStatus.Reset, $"{result.Status}: {result.Error}");
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(20));
            Assert.Equal(1, balancer.Backends[0].Failures);
            Assert.Contains("response timeout", balancer.Backends[0].LastError);
            Assert.Equal(1, balancer.Statistics.Failed);
            Assert.Equal(BackendState.Up, balancer.Backends[0].State);

            Task down = BalancerEvents.WhenState(balancer, backend.Port, BackendState.Down);
            await ProbeOnceAsync(balancer.Port);
            await down;
        }

        [Fact]
        public async Task With_the_response_timeout_off_a_silent_backend_is_not_counted()
        {
            await using var net = new TestNet();
            TcpTestBackend backend = net.Backend();
            backend.SetBehavior(fault: TcpBackendFault.Blackhole);
            TcpBalancer balancer = net.Balancer(o => { TestNet.RareChecks(o); o.ResponseTimeout = TimeSpan.Zero; }, backend.Port);

            var options = new TcpProbeOptions { ComputerName = "127.0.0.1", Port = balancer.Port, Count = 1, Timeout = TimeSpan.FromMilliseconds(800) };
            TcpProbeResult? result = null;
            await TcpProbe.RunAsync(options, r => result = r).WaitAsync(TestNet.Patience);

            Assert.Equal(TcpProbeStatus.Timeout, result!.Status);
            Assert.Equal(0, balancer.Backends[0].Failures);
            Assert.Equal(0, balancer.Statistics.Failed);
        }

        [Fact]
        public async Task A_blackholed_backend_loses_its_connections_to_the_others_goes_Down_and_checks_bring_it_back_once_healed()
        {
            await using var net = new TestNet();
            TcpTestBackend b1 = net.Backend(), hole = net.Backend(), b3 = net.Backend();
            hole.SetBehavior(fault: TcpBackendFault.Blackhole);
            TcpBalancer balancer = net.Balancer(o =>
            {
                // Far above what a busy machine adds to a healthy backend's reply (with 300 ms, a
                // loaded run once saw two answered-late connections of healthy backends move too),
                // so that only the silent backend's connections move.
                o.ResponseTimeout = TimeSpan.FromMilliseconds(1500);
                o.RetryOn |= RetryConditions.ResponseTimeout;
                o.HealthCheck.Interval = TimeSpan.FromMilliseconds(100);
                o.HealthCheck.Timeout = TimeSpan.FromMilliseconds(1000);
                o.HealthCheck.Fall = 3;
                o.HealthCheck.Rise = 2;
                // A check that sees a silent backend, so only healing brings it back.
                o.HealthCheck.Send = "ping";
                o.HealthCheck.ExpectPrefix = TcpTestBackend.ReplyPrefix;
            }, b1.Port, hole.Port, b3.Port);
            Task down = BalancerEvents.WhenState(balancer, hole.Port, BackendState.Down);

            var results = await TestNet.ProbeAsync(balancer.Port, 60, concurrency: 4);
            await down;

            Assert.All(results, r => Assert.True(r.Status == TcpProbeStatus.Success && r.Backend != hole.Port, $"{r.Status} from {r.Backend}: {r.Error}"));
            Assert.True(balancer.Backends[1].Redispatched >= 1, $"redispatched {balancer.Backends[1].Redispatched}");
            Assert.Equal(balancer.Statistics.Redispatched, balancer.Backends[1].Redispatched);

            Task up = BalancerEvents.WhenState(balancer, hole.Port, BackendState.Up);
            hole.SetBehavior(fault: TcpBackendFault.None);
            await up;
            var after = await TestNet.ProbeAsync(balancer.Port, 6);
            Assert.All(after, r => Assert.Equal(TcpProbeStatus.Success, r.Status));
            Assert.Contains(hole.Port, after.Select(r => r.Backend));
        }

        [Fact]
        public async Task A_client_that_keeps_sending_longer_than_the_response_timeout_is_not_cut()
        {
            await using var net = new TestNet();
            using var raw = new RawBackend();
            // The upload (20 chunks 100 ms apart) lasts longer than the timeout; each gap stays far
            // below it even when a busy machine stretches a 100 ms delay.
            TcpBalancer balancer = net.Balancer(o => { TestNet.RareChecks(o); o.ResponseTimeout = TimeSpan.FromMilliseconds(1500); }, raw.Port);

            using System.Net.Sockets.Socket client = await TestNet.ConnectAsync(balancer.Port);
            Task<System.Net.Sockets.Socket> accepting = raw.AcceptAsync();
            var chunk = new byte[1024];
            var upload = Stopwatch.StartNew();
            for (int i = 0; i < 20; i++)
            {
                await client.SendAsync(chunk, System.Net.Sockets.SocketFlags.None);
                await Task.Delay(100);
            }
            client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            Assert.True(upload.Elapsed > TimeSpan.FromMilliseconds(1500), $"the upload took only {upload.Elapsed}");
            using System.Net.Sockets.Socket server = await accepting;
            Assert.Equal(20 * 1024, (await TestNet.ReadToEndAsync(server)).Length);
            await server.SendAsync(new byte[] { 42 }, System.Net.Sockets.SocketFlags.None);
            server.Shutdown(System.Net.Sockets.SocketShutdown.Send);

            Assert.Equal(new byte[] { 42 }, await TestNet.ReadToEndAsync(client));
            Assert.Equal(0, balancer.Backends[0].Failures);
            Assert.Equal(0, balancer.Statistics.Failed);
        }
    }
}
