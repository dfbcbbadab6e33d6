using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Backends;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Probing;

namespace TcpLb.Engine.Tests
{
    /// <summary>
    /// Fault-injecting test backends: each fault, latency with jitter and the bandwidth limit,
    /// against the backend directly and through a balancer, and breaking and healing a running
    /// backend on the same port.
    /// </summary>
    public class FaultBackendTests : IAsyncLifetime
    {
        /// <summary>Timers count whole milliseconds and may fire a little early by a Stopwatch's measure.</summary>
        private static readonly TimeSpan TimerSlack = TimeSpan.FromMilliseconds(10);

        private readonly List<TcpTestBackend> _backends = new List<TcpTestBackend>();

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync()
        {
            foreach (TcpTestBackend backend in _backends)
            {
                await backend.StopAsync();
            }
        }

        /// <summary>A backend started with the behavior given (a fault from the start, not set later); stopped after the test.</summary>
        private TcpTestBackend Backend(TestNet net, TcpBackendMode mode = TcpBackendMode.Identify, TcpBackendFault fault = TcpBackendFault.None, TimeSpan latency = default, TimeSpan jitter = default, long bandwidth = 0, TimeSpan? blackholeTimeout = null)
        {
            var behavior = new TcpBackendBehavior();
            behavior.Set(fault, latency, jitter, bandwidth);
            var options = new TcpTestBackendOptions { Port = 0, Mode = mode, Behavior = behavior };
            options.BlackholeTimeout = blackholeTimeout ?? options.BlackholeTimeout;
            var backend = new TcpTestBackend(options);
            backend.Start();
            _backends.Add(backend);
            return backend;
        }

        /// <summary>The port to probe: the backend's, or a balancer's in front of it (health checks off, so it is never Down).</summary>
        private static int Target(TestNet net, TcpTestBackend backend, bool throughBalancer)
            => throughBalancer ? net.Balancer(o => o.HealthCheck.Interval = TimeSpan.Zero, backend.Port).Port : backend.Port;

        private static async Task<List<TcpProbeResult>> ProbeAsync(int port, int count = 1, TimeSpan? timeout = null)
        {
            var results = new List<TcpProbeResult>();
            var options = new TcpProbeOptions { ComputerName = "127.0.0.1", Port = port, Count = count, Timeout = timeout ?? TimeSpan.FromSeconds(5) };
            await TcpProbe.RunAsync(options, r => { lock (results) { results.Add(r); } }).WaitAsync(TestNet.Patience);
            return results.OrderBy(r => r.Sequence).ToList();
        }

        private static async Task<TcpProbeResult> ProbeOnceAsync(int port, TimeSpan? timeout = null) => (await ProbeAsync(port, 1, timeout)).Single();

        private static void AssertServedBy(TcpTestBackend backend, TcpProbeResult result)
        {
            Assert.True(result.Status == TcpProbeStatus.Success, $"{result.Status}: {result.Error}");
            Assert.Equal(backend.Port, result.Backend);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task Refuse_refuses_connects_and_keeps_the_port_bound(bool throughBalancer)
        {
            await using var net = new TestNet();
            TcpTestBackend backend = Backend(net, fault: TcpBackendFault.Refuse);
            int target = Target(net, backend, throughBalancer);

            var results = await ProbeAsync(target, 3);

            // Directly the connect is refused; a balancer accepts the client, finds no backend
            // that takes the connection, and resets the client.
            Assert.All(results, r => Assert.Equal(throughBalancer ? TcpProbeStatus.Reset : TcpProbeStatus.Refused, r.Status));
            Assert.True(backend.IsAcceptingPaused);
            Assert.False(TestNet.PortIsFree(backend.Port), "a refusing backend must keep its port bound");
            Assert.Equal(0, backend.ConnectionsAccepted);
        }

        [Fact]
        public async Task Refuse_with_a_second_backend_fails_over_so_every_client_is_served()
        {
            await using var net = new TestNet();
            TcpTestBackend broken = Backend(net, fault: TcpBackendFault.Refuse);
            TcpTestBackend healthy = Backend(net);
            TcpBalancer balancer = net.Balancer(o => o.HealthCheck.Interval = TimeSpan.Zero, broken.Port, healthy.Port);

            var results = await ProbeAsync(balancer.Port, 6);

            Assert.All(results, r => AssertServedBy(healthy, r));
            Assert.True(balancer.Backends[0].Failures >= 3, $"failures {balancer.Backends[0].Failures}");
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task Close_accepts_then_closes_so_the_reply_is_empty(bool throughBalancer)
        {
            await using var net = new TestNet();
            TcpTestBackend backend = Backend(net, fault: TcpBackendFault.Close);
            int target = Target(net, backend, throughBalancer);

            var results = await ProbeAsync(target, 3);

            Assert.All(results, r => Assert.True(r.Status == TcpProbeStatus.Success, $"{r.Status}: {r.Error}"));
            Assert.All(results, r => Assert.Equal("", r.Response));
            Assert.All(results, r => Assert.Equal(0, r.BytesReceived));
            Assert.Equal(3, backend.ConnectionsAcceptedWith(TcpBackendFault.Close));
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task Reset_accepts_then_resets(bool throughBalancer)
        {
            await using var net = new TestNet();
            TcpTestBackend backend = Backend(net, fault: TcpBackendFault.Reset);
            int target = Target(net, backend, throughBalancer);

            var results = await ProbeAsync(target, 3);

            Assert.All(results, r => Assert.True(r.Status == TcpProbeStatus.Reset, $"{r.Status}: {r.Error}"));
            Assert.Equal(3, backend.ConnectionsAcceptedWith(TcpBackendFault.Reset));
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task Blackhole_never_answers_so_the_probe_times_out(bool throughBalancer)
        {
            await using var net = new TestNet();
            TcpTestBackend backend = Backend(net, fault: TcpBackendFault.Blackhole);
            int target = Target(net, backend, throughBalancer);

            TcpProbeResult result = await ProbeOnceAsync(target, TimeSpan.FromMilliseconds(300));

            Assert.True(result.Status == TcpProbeStatus.Timeout, $"{result.Status}: {result.Error}");
            Assert.True(result.Latency >= TimeSpan.FromMilliseconds(250), $"timed out after {result.Latency}");
            Assert.Equal(1, backend.ConnectionsAcceptedWith(TcpBackendFault.Blackhole));
        }

        [Fact]
        public async Task A_blackholed_connection_is_let_go_BlackholeTimeout_after_the_clients_FIN_or_at_once_on_a_reset()
        {
            await using var net = new TestNet();
            TcpTestBackend backend = Backend(net, fault: TcpBackendFault.Blackhole, blackholeTimeout: TimeSpan.FromMilliseconds(800));

            // The probe half-closes and gives up after 300 ms; the backend holds on until 800 ms after the FIN.
            TcpProbeResult result = await ProbeOnceAsync(backend.Port, TimeSpan.FromMilliseconds(300));
            Assert.Equal(TcpProbeStatus.Timeout, result.Status);
            await Eventually(() => backend.ActiveConnections == 0, "the blackholed connection is still held long after the client's FIN");

            using (Socket client = await TestNet.ConnectAsync(backend.Port))
            {
                await client.SendAsync(new byte[] { 1, 2, 3 }.AsMemory(), SocketFlags.None);
                await Eventually(() => backend.ActiveConnections == 1, "the connection was not accepted");
                client.LingerState = new LingerOption(true, 0);
            }
            await Eventually(() => backend.ActiveConnections == 0, "a blackholed connection is still held after the client reset it");
        }

        [Fact]
        public async Task Stopping_a_backend_ends_its_blackholed_connections_and_frees_its_port()
        {
            await using var net = new TestNet();
            TcpTestBackend backend = Backend(net, fault: TcpBackendFault.Blackhole);
            using Socket client = await TestNet.ConnectAsync(backend.Port);
            await Eventually(() => backend.ActiveConnections == 1, "the connection was not accepted");

            Task<byte[]> reading = TestNet.ReadToEndAsync(client);
            var clock = Stopwatch.StartNew();
            await backend.StopAsync();

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"stop took {clock.Elapsed}");
            await Assert.ThrowsAnyAsync<SocketException>(() => reading);
            Assert.True(TestNet.PortIsFree(backend.Port));
        }

        [Fact]
        public async Task Stopping_a_refusing_backend_frees_its_port()
        {
            await using var net = new TestNet();
            TcpTestBackend backend = Backend(net);
            backend.SetBehavior(fault: TcpBackendFault.Refuse);
            Assert.False(TestNet.PortIsFree(backend.Port));

            await backend.StopAsync();

            Assert.True(TestNet.PortIsFree(backend.Port));
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task Latency_with_jitter_delays_each_reply_within_the_range(bool throughBalancer)
        {
            await using var net = new TestNet();
            TimeSpan latency = TimeSpan.FromMilliseconds(200), jitter = TimeSpan.FromMilliseconds(50);
            TcpTestBackend backend = Backend(net, latency: latency, jitter: jitter);
            int target = Target(net, backend, throughBalancer);

            var results = await ProbeAsync(target, 5);

            Assert.All(results, r => AssertServedBy(backend, r));
            Assert.All(results, r => Assert.InRange(r.Latency, latency - jitter - TimerSlack, latency + jitter + TimeSpan.FromSeconds(2)));
        }

        [Fact]
        public async Task Latency_changes_reach_the_next_chunk_of_an_open_echo_connection()
        {
            await using var net = new TestNet();
            TcpTestBackend echo = Backend(net, TcpBackendMode.Echo);
            using Socket client = await TestNet.ConnectAsync(echo.Port);

            // A latency far above what a busy machine adds to a loopback echo: 'no latency' is then
            // 'less than the latency that was set', a claim that holds under load.
            TimeSpan latency = TimeSpan.FromMilliseconds(1000);
            TimeSpan before = await TimeEchoAsync(client, 16);
            echo.SetBehavior(latency: latency);
            TimeSpan during = await TimeEchoAsync(client, 16);
            echo.SetBehavior(latency: TimeSpan.Zero);
            TimeSpan after = await TimeEchoAsync(client, 16);

            Assert.True(before < latency, $"before: {before}");
            Assert.InRange(during, latency - TimerSlack, latency + TimeSpan.FromSeconds(5));
            Assert.True(after < latency, $"after: {after}");
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task Bandwidth_limit_paces_a_256_KiB_echo_at_512_KiB_per_second(bool throughBalancer)
        {
            await using var net = new TestNet();
            TcpTestBackend echo = Backend(net, TcpBackendMode.Echo, bandwidth: 512 * 1024);
            int target = Target(net, echo, throughBalancer);
            using Socket client = await TestNet.ConnectAsync(target);
            var payload = new byte[256 * 1024];
            new Random(42).NextBytes(payload);

            var clock = Stopwatch.StartNew();
            Task sending = SendThenShutdownAsync(client, payload);
            byte[] back = await TestNet.ReadToEndAsync(client);
            await sending;
            clock.Stop();

            Assert.Equal(payload, back);
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.4), $"256 KiB at 512 KiB/s came back in {clock.Elapsed.TotalMilliseconds:F0} ms");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"256 KiB at 512 KiB/s took {clock.Elapsed.TotalMilliseconds:F0} ms");
        }

        [Theory]
        [InlineData(TcpBackendFault.Refuse, TcpProbeStatus.Refused)]
        [InlineData(TcpBackendFault.Close, TcpProbeStatus.Success)]
        [InlineData(TcpBackendFault.Reset, TcpProbeStatus.Reset)]
        [InlineData(TcpBackendFault.Blackhole, TcpProbeStatus.Timeout)]
        public async Task A_running_backend_breaks_and_heals_on_the_same_port(TcpBackendFault fault, TcpProbeStatus broken)
        {
            await using var net = new TestNet();
            TcpTestBackend backend = Backend(net);
            int port = backend.Port;
            AssertServedBy(backend, await ProbeOnceAsync(port));

            for (int round = 0; round < 2; round++)
            {
                backend.SetBehavior(fault: fault);
                // A short timeout only where the timeout is the answer (Blackhole): the others answer at
                // once, and on a busy machine the probe's connect alone once took over 500 ms.
                TcpProbeResult failed = await ProbeOnceAsync(port, fault == TcpBackendFault.Blackhole ? TimeSpan.FromMilliseconds(500) : (TimeSpan?)null);
                Assert.True(failed.Status == broken, $"round {round}, {fault}: {failed.Status} ({failed.Error})");
                Assert.Null(failed.Backend);

                backend.SetBehavior(fault: TcpBackendFault.None);
                TcpProbeResult healed = await ProbeOnceAsync(port);
                AssertServedBy(backend, healed);
                Assert.Equal(port, backend.Port);
            }
        }

        [Fact]
        public async Task Refuse_heals_while_a_connection_accepted_before_it_is_still_open()
        {
            await using var net = new TestNet();
            TcpTestBackend echo = Backend(net, TcpBackendMode.Echo);
            using Socket open = await TestNet.ConnectAsync(echo.Port);
            await open.SendAsync(new byte[] { 7 }, SocketFlags.None);
            Assert.Equal(new byte[] { 7 }, await RawBackend.ReadExactlyAsync(open, 1));

            echo.SetBehavior(fault: TcpBackendFault.Refuse);
            echo.SetBehavior(fault: TcpBackendFault.None);

            Assert.False(echo.IsAcceptingPaused);
            using Socket fresh = await TestNet.ConnectAsync(echo.Port);
            await fresh.SendAsync(new byte[] { 8 }, SocketFlags.None);
            Assert.Equal(new byte[] { 8 }, await RawBackend.ReadExactlyAsync(fresh, 1));
        }

        [Fact]
        public async Task A_backend_behind_a_balancer_breaks_and_heals()
        {
            await using var net = new TestNet();
            TcpTestBackend backend = Backend(net);
            TcpBalancer balancer = net.Balancer(o => o.HealthCheck.Interval = TimeSpan.Zero, backend.Port);

            backend.SetBehavior(fault: TcpBackendFault.Refuse);
            TcpProbeResult failed = await ProbeOnceAsync(balancer.Port);
            backend.SetBehavior(fault: TcpBackendFault.None);
            TcpProbeResult healed = await ProbeOnceAsync(balancer.Port);

            Assert.Equal(TcpProbeStatus.Reset, failed.Status);
            AssertServedBy(backend, healed);
        }

        [Fact]
        public async Task Counters_count_connections_per_fault()
        {
            await using var net = new TestNet();
            TcpTestBackend backend = Backend(net);

            await ProbeAsync(backend.Port, 2);
            backend.SetBehavior(fault: TcpBackendFault.Reset);
            await ProbeAsync(backend.Port, 3);
            backend.SetBehavior(fault: TcpBackendFault.Close);
            await ProbeAsync(backend.Port, 1);

            Assert.Equal(6, backend.ConnectionsAccepted);
            Assert.Equal(2, backend.ConnectionsAcceptedWith(TcpBackendFault.None));
            Assert.Equal(3, backend.ConnectionsAcceptedWith(TcpBackendFault.Reset));
            Assert.Equal(1, backend.ConnectionsAcceptedWith(TcpBackendFault.Close));
            Assert.Equal(0, backend.ConnectionsAcceptedWith(TcpBackendFault.Blackhole));
        }

        [Fact]
        public void Behavior_changes_only_what_is_given_and_rejects_values_out_of_range()
        {
            var behavior = new TcpBackendBehavior();
            int changes = 0;
            behavior.Changed += (s, e) => changes++;

            behavior.Set(latency: TimeSpan.FromMilliseconds(100), bandwidthBytesPerSecond: 1024);
            behavior.Set(fault: TcpBackendFault.Reset);
            behavior.Set(fault: TcpBackendFault.Reset);

            Assert.Equal(TcpBackendFault.Reset, behavior.Fault);
            Assert.Equal(TimeSpan.FromMilliseconds(100), behavior.Latency);
            Assert.Equal(TimeSpan.Zero, behavior.Jitter);
            Assert.Equal(1024, behavior.BandwidthBytesPerSecond);
            Assert.Equal(2, changes);

            Assert.Throws<ArgumentOutOfRangeException>(() => behavior.Latency = TimeSpan.FromMilliseconds(-1));
            Assert.Throws<ArgumentOutOfRangeException>(() => behavior.Jitter = TimeSpan.FromHours(2));
            Assert.Throws<ArgumentOutOfRangeException>(() => behavior.BandwidthBytesPerSecond = -1);
            Assert.Throws<ArgumentOutOfRangeException>(() => behavior.Fault = (TcpBackendFault)42);
            Assert.Equal(TimeSpan.FromMilliseconds(100), behavior.Latency);
            Assert.Equal(2, changes);
        }

        [Fact]
        public void The_backend_copies_the_options_behavior()
        {
            var options = new TcpTestBackendOptions { Port = 0 };
            options.Behavior.Latency = TimeSpan.FromMilliseconds(5);
            using var backend = new TcpTestBackend(options);

            backend.Behavior.Latency = TimeSpan.FromMilliseconds(7);

            Assert.Equal(TimeSpan.FromMilliseconds(5), options.Behavior.Latency);
            Assert.Equal(TimeSpan.FromMilliseconds(7), backend.Behavior.Latency);
        }

        private static async Task<TimeSpan> TimeEchoAsync(Socket client, int size)
        {
            var data = new byte[size];
            var clock = Stopwatch.StartNew();
            await client.SendAsync(data.AsMemory(), SocketFlags.None).AsTask().WaitAsync(TestNet.Patience);
            await RawBackend.ReadExactlyAsync(client, size);
            return clock.Elapsed;
        }

        private static async Task SendThenShutdownAsync(Socket client, byte[] payload)
        {
            int offset = 0;
            while (offset < payload.Length)
            {
                offset += await client.SendAsync(payload.AsMemory(offset), SocketFlags.None);
            }
            client.Shutdown(SocketShutdown.Send);
        }

        /// <summary>Waits for a condition that something else makes true, checking often; fails after the patience.</summary>
        private static async Task Eventually(Func<bool> condition, string failure)
        {
            var clock = Stopwatch.StartNew();
            while (!condition())
            {
                Assert.True(clock.Elapsed < TestNet.Patience, failure);
                await Task.Delay(10);
            }
        }
    }
}
