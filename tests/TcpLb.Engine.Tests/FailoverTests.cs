using System;
using System.Diagnostics;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Backends;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Probing;

namespace TcpLb.Engine.Tests
{
    public class FailoverTests
    {
        /// <summary>The transport these tests run on; a subclass in OnLoopTransportTests.cs runs them on the event loop.</summary>
        protected virtual BalancerTransport Transport => BalancerTransport.Stream;

        private static void FastChecks(TcpBalancerOptions o)
        {
            o.HealthCheck.Interval = TimeSpan.FromMilliseconds(100);
            o.HealthCheck.Timeout = TimeSpan.FromMilliseconds(500);
            o.HealthCheck.Rise = 2;
            o.HealthCheck.Fall = 2;
        }

        [Fact]
        public async Task A_refused_connect_fails_over_so_every_client_is_served()
        {
            await using var net = new TestNet(Transport);
            TcpTestBackend b1 = net.Backend(), b3 = net.Backend();
            TcpBalancer balancer = net.Balancer(o => o.HealthCheck.Interval = TimeSpan.Zero, b1.Port, TestNet.RefusingPort(), b3.Port);

            var results = await TestNet.ProbeAsync(balancer.Port, 9);

            Assert.All(results, r => Assert.Equal(TcpProbeStatus.Success, r.Status));
            Assert.Equal(new[] { b1.Port, b3.Port }.OrderBy(p => p), results.Select(r => r.Backend!.Value).Distinct().OrderBy(p => p));
            Assert.True(balancer.Statistics.Retried >= 3, $"retried {balancer.Statistics.Retried}");
            Assert.Equal(balancer.Statistics.Retried, balancer.Backends[1].Failures);
            Assert.Equal(0, balancer.Statistics.Failed);
        }

        [Fact]
        public async Task A_stopped_backend_goes_Down_with_no_failed_probe_and_rejoins_when_back()
        {
            await using var net = new TestNet(Transport);
            TcpTestBackend b1 = net.Backend(), b2 = net.Backend(), b3 = net.Backend();
            TcpBalancer balancer = net.Balancer(FastChecks, b1.Port, b2.Port, b3.Port);
            int port2 = b2.Port;
            Task down = BalancerEvents.WhenState(balancer, port2, BackendState.Down);

            Task<System.Collections.Generic.List<TcpProbeResult>> probing = TestNet.ProbeAsync(balancer.Port, 300, concurrency: 4);
            await b2.StopAsync();
            await down;
            var results = await probing;

            Assert.All(results, r => Assert.Equal(TcpProbeStatus.Success, r.Status));
            Assert.Equal(BackendState.Down, balancer.Backends[1].State);
            // Live traffic may take it Down before the first check has even run (checks start one
            // interval after the balancer): the checks then see the failure too.
            Assert.True(SpinWait.SpinUntil(() => balancer.Backends[1].LastCheckSucceeded == false, TestNet.Patience), "no health check saw the stopped backend fail");

            Task up = BalancerEvents.WhenState(balancer, port2, BackendState.Up);
            net.Backend(TcpBackendMode.Identify, port2);
            await up;
            var after = await TestNet.ProbeAsync(balancer.Port, 6);

            Assert.All(after, r => Assert.Equal(TcpProbeStatus.Success, r.Status));
            Assert.Equal(new[] { b1.Port, port2, b3.Port }.OrderBy(p => p), after.Select(r => r.Backend!.Value).Distinct().OrderBy(p => p));
        }

        [Fact]
        public async Task With_every_backend_down_probes_fail_fast_and_service_resumes_when_one_returns()
        {
            await using var net = new TestNet(Transport);
            using TestNet.PortHold held = TestNet.HoldPort(); // refused until the backend comes up on it
            int port = held.Port;
            TcpBalancer balancer = net.Balancer(o => { FastChecks(o); o.HealthCheck.Rise = 1; }, port);

            var clock = Stopwatch.StartNew();
            var failed = await TestNet.ProbeAsync(balancer.Port, 5);
            clock.Stop();

            Assert.All(failed, r => Assert.Equal(TcpProbeStatus.Reset, r.Status));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"5 failing probes took {clock.Elapsed}");
            Assert.Equal(5, balancer.Statistics.Failed);
            Assert.False(balancer.Completion.IsCompleted);

            Task up = BalancerEvents.WhenState(balancer, port, BackendState.Up);
            held.Dispose();
            net.Backend(TcpBackendMode.Identify, port);
            await up;
            var served = await TestNet.ProbeAsync(balancer.Port, 3);

            Assert.All(served, r => Assert.Equal(TcpProbeStatus.Success, r.Status));
        }

        [Fact]
        public async Task A_check_with_an_unexpected_reply_takes_the_backend_down()
        {
            await using var net = new TestNet(Transport);
            TcpTestBackend good = net.Backend();
            TcpTestBackend echo = net.Backend(TcpBackendMode.Echo); // answers "ping", not the expected text
            TcpBalancer balancer = net.Balancer(o => { FastChecks(o); o.HealthCheck.Send = "ping\n"; o.HealthCheck.ExpectPrefix = "Response from server"; }, good.Port, echo.Port);

            await BalancerEvents.WhenState(balancer, echo.Port, BackendState.Down);
            var results = await TestNet.ProbeAsync(balancer.Port, 4);

            Assert.All(results, r => Assert.Equal(good.Port, r.Backend));
            Assert.Equal(BackendState.Up, balancer.Backends[0].State);
            Assert.True(balancer.Backends[0].LastCheckSucceeded);
            Assert.Contains("does not start with 'Response from server'", balancer.Backends[1].LastError);
        }

        [Fact]
        public async Task Adding_and_removing_backends_while_probes_run_fails_no_probe()
        {
            await using var net = new TestNet(Transport);
            TcpTestBackend b1 = net.Backend(), b2 = net.Backend(), b3 = net.Backend();
            TcpBalancer balancer = net.Balancer(b1.Port, b2.Port);

            Task<System.Collections.Generic.List<TcpProbeResult>> probing = TestNet.ProbeAsync(balancer.Port, 400, concurrency: 4);
            balancer.AddBackend(new BackendAddress("127.0.0.1", b3.Port));
            Assert.True(balancer.RemoveBackend(new BackendAddress("127.0.0.1", b1.Port)));
            var during = await probing;
            var after = await TestNet.ProbeAsync(balancer.Port, 4);

            Assert.All(during, r => Assert.Equal(TcpProbeStatus.Success, r.Status));
            Assert.Equal(new[] { b2.Port, b3.Port, b2.Port, b3.Port }, after.Select(r => r.Backend!.Value));
            Assert.Equal(new[] { b2.Port, b3.Port }, balancer.Backends.Select(b => b.Address.Port));
        }

        [Fact]
        public async Task Draining_keeps_a_long_connection_intact_sends_new_ones_elsewhere_and_stop_waits_for_it()
        {
            await using var net = new TestNet(Transport);
            TcpTestBackend echo = net.Backend(TcpBackendMode.Echo), other = net.Backend();
            TcpBalancer balancer = net.Balancer(echo.Port, other.Port);
            using Socket longLived = await TestNet.ConnectAsync(balancer.Port); // first pick: the echo backend
            await Exchange(longLived, "before");

            Assert.True(balancer.DisableBackend(new BackendAddress("127.0.0.1", echo.Port), drain: true));
            var fresh = await TestNet.ProbeAsync(balancer.Port, 4);
            await Exchange(longLived, "during drain");

            Assert.Equal(BackendState.Draining, balancer.Backends[0].State);
            Assert.All(fresh, r => Assert.Equal(other.Port, r.Backend));

            Task stopping = balancer.StopAsync(TimeSpan.FromSeconds(20));
            await Exchange(longLived, "while stopping");
            Assert.False(stopping.IsCompleted);
            longLived.Shutdown(SocketShutdown.Send);
            Assert.Empty(await TestNet.ReadToEndAsync(longLived));
            await stopping.WaitAsync(TimeSpan.FromSeconds(10));

            Assert.True(TestNet.PortIsFree(balancer.Port));
        }

        [Fact]
        public async Task Cancelling_a_drain_closes_the_open_connections_at_once_and_frees_the_port()
        {
            await using var net = new TestNet(Transport);
            TcpTestBackend echo = net.Backend(TcpBackendMode.Echo);
            TcpBalancer balancer = net.Balancer(echo.Port);
            using Socket open = await TestNet.ConnectAsync(balancer.Port);
            await Exchange(open, "hello");
            using var endGrace = new CancellationTokenSource();

            Task stopping = balancer.StopAsync(TimeSpan.FromMinutes(10), endGrace.Token);
            await Exchange(open, "while draining");
            Assert.False(stopping.IsCompleted);
            endGrace.Cancel();

            // Bounded by the 10-minute grace otherwise; the safety net is far below it.
            await stopping.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True(TestNet.PortIsFree(balancer.Port));
            // The connection was closed (an end of stream or a reset), not left open: the read ends.
            try
            {
                Assert.Empty(await TestNet.ReadToEndAsync(open).WaitAsync(TimeSpan.FromSeconds(10)));
            }
            catch (SocketException)
            {
            }
        }

        [Fact]
        public async Task Disabling_without_drain_closes_the_backends_connections()
        {
            await using var net = new TestNet(Transport);
            TcpTestBackend echo = net.Backend(TcpBackendMode.Echo), other = net.Backend();
            TcpBalancer balancer = net.Balancer(echo.Port, other.Port);
            using Socket open = await TestNet.ConnectAsync(balancer.Port);
            await Exchange(open, "hello");

            balancer.DisableBackend(new BackendAddress("127.0.0.1", echo.Port), drain: false);

            await Assert.ThrowsAnyAsync<SocketException>(async () => await TestNet.ReadToEndAsync(open));
            Assert.Equal(BackendState.Disabled, balancer.Backends[0].State);
            balancer.EnableBackend(new BackendAddress("127.0.0.1", echo.Port));
            Assert.Equal(BackendState.Up, balancer.Backends[0].State);
        }

        [Fact]
        public async Task An_idle_connection_is_closed_after_the_idle_timeout()
        {
            await using var net = new TestNet(Transport);
            TcpTestBackend echo = net.Backend(TcpBackendMode.Echo);
            TcpBalancer balancer = net.Balancer(o => o.IdleTimeout = TimeSpan.FromMilliseconds(300), echo.Port);

            // The clock starts before the connection exists, so it never starts after the
            // balancer's last activity stamp, however late this test is scheduled on a busy
            // machine; nothing is sent, so a late test cannot find its exchange cut either.
            // On a busy machine the timeout may pass before the client's own connect returns: that reset counts too.
            var clock = Stopwatch.StartNew();
            await Assert.ThrowsAnyAsync<SocketException>(async () =>
            {
                using Socket idle = await TestNet.ConnectAsync(balancer.Port);
                await TestNet.ReadToEndAsync(idle);
            });

            // At least the idle timeout (less the millisecond tick's granularity), and a safety net.
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(280), TimeSpan.FromSeconds(10));
            Assert.True(SpinWait.SpinUntil(() => balancer.ActiveConnections == 0, TestNet.Patience), "the balancer still counts the connection");
            // It was proxied, not refused: the backend had it.
            Assert.Equal(1, balancer.Backends[0].TotalConnections);
        }

        [Fact]
        public async Task Past_the_connection_limit_clients_queue_then_are_refused_and_counted()
        {
            await using var net = new TestNet(Transport);
            TcpTestBackend echo = net.Backend(TcpBackendMode.Echo);
            TcpBalancer balancer = net.Balancer(o => { o.MaxConnections = 2; o.QueueLength = 1; o.QueueTimeout = TimeSpan.FromSeconds(20); }, echo.Port);
            using Socket first = await TestNet.ConnectAsync(balancer.Port);
            using Socket second = await TestNet.ConnectAsync(balancer.Port);
            await Exchange(first, "1");
            await Exchange(second, "2");

            // The third waits in the queue; the fourth finds the queue full and is refused.
            using Socket third = await TestNet.ConnectAsync(balancer.Port);
            await third.SendAsync(Encoding.ASCII.GetBytes("3"), SocketFlags.None);
            // Accept loops run in parallel: make sure the third is the one queued before the fourth comes.
            Assert.True(SpinWait.SpinUntil(() => balancer.Queued == 1, TestNet.Patience), "the third connection never queued");
            // Refused with a reset, which can reach the client even before its connect completes.
            await Assert.ThrowsAnyAsync<SocketException>(async () =>
            {
                using Socket fourth = await TestNet.ConnectAsync(balancer.Port);
                await TestNet.ReadToEndAsync(fourth);
            });
            Assert.Equal(1, balancer.Statistics.Rejected);
            Assert.Equal(1, balancer.Queued);

            // A slot frees: the queued client is served.
            first.Shutdown(SocketShutdown.Send);
            await TestNet.ReadToEndAsync(first);
            Assert.Equal("3", Encoding.ASCII.GetString(await RawBackend.ReadExactlyAsync(third, 1)));
            Assert.Equal(4, balancer.Statistics.Accepted);
        }

        [Fact]
        public async Task A_queued_client_is_refused_when_the_queue_timeout_passes()
        {
            await using var net = new TestNet(Transport);
            TcpTestBackend echo = net.Backend(TcpBackendMode.Echo);
            TcpBalancer balancer = net.Balancer(o => { o.BackendMaxConnections = 1; o.QueueTimeout = TimeSpan.FromMilliseconds(200); }, echo.Port);
            using Socket holder = await TestNet.ConnectAsync(balancer.Port);
            await Exchange(holder, "hold");

            var results = await TestNet.ProbeAsync(balancer.Port, 1);

            Assert.Equal(TcpProbeStatus.Reset, results[0].Status);
            Assert.Equal(1, balancer.Statistics.Rejected);
            Assert.Equal(1, balancer.Backends[0].ActiveConnections);
        }

        private static async Task Exchange(Socket socket, string text)
        {
            byte[] bytes = Encoding.ASCII.GetBytes(text);
            await socket.SendAsync(bytes, SocketFlags.None);
            Assert.Equal(text, Encoding.ASCII.GetString(await RawBackend.ReadExactlyAsync(socket, bytes.Length)));
        }
    }
}
