using System;
using System.Diagnostics;
using System.Linq;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading.Tasks;
using TcpLb.Engine.Backends;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Probing;
using TcpLb.Engine.Proxying.Toxics;

namespace TcpLb.Engine.Tests
{
    public class ToxicTests
    {
        private static BalancerToxic Toxic(ToxicType type, ToxicDirection direction = ToxicDirection.Downstream, double toxicity = 1, TimeSpan latency = default, long rate = 0, TimeSpan delay = default, TimeSpan timeout = default, int averageSize = 0, int sizeVariation = 0, long bytes = 0, string? name = null)
            => new BalancerToxic(new ToxicDefinition(type, direction, toxicity, latency, default, rate, delay, timeout, averageSize, sizeVariation, bytes), name: name);

        private static async Task<byte[]> EchoAsync(int port, byte[] payload)
        {
            using Socket client = await TestNet.ConnectAsync(port);
            Task<byte[]> reading = TestNet.ReadToEndAsync(client);
            await client.SendAsync(payload, SocketFlags.None);
            client.Shutdown(SocketShutdown.Send);
            return await reading.WaitAsync(TestNet.Patience);
        }

        [Fact]
        public async Task Limit_data_downstream_passes_exactly_the_bytes_then_FIN()
        {
            await using var net = new TestNet();
            TcpTestBackend echo = net.Backend(TcpBackendMode.Echo);
            TcpBalancer balancer = net.Balancer(o => o.Toxics.Add(Toxic(ToxicType.LimitData, bytes: 100_000)), echo.Port);
            byte[] payload = RandomNumberGenerator.GetBytes(1_000_000);

            byte[] back = await EchoAsync(balancer.Port, payload);

            Assert.Equal(100_000, back.Length);
            Assert.True(payload.AsSpan(0, 100_000).SequenceEqual(back));
            Assert.Equal(1, balancer.Toxics[0].Connections);
        }

        [Fact]
        public async Task Slicer_delivers_the_same_bytes()
        {
            await using var net = new TestNet();
            TcpTestBackend echo = net.Backend(TcpBackendMode.Echo);
            TcpBalancer balancer = net.Balancer(o => o.Toxics.Add(Toxic(ToxicType.Slicer, averageSize: 100, sizeVariation: 50, delay: TimeSpan.FromMilliseconds(1))), echo.Port);
            byte[] payload = RandomNumberGenerator.GetBytes(20_000);

            byte[] back = await EchoAsync(balancer.Port, payload);

            Assert.True(payload.AsSpan().SequenceEqual(back));
        }

        [Fact]
        public async Task Reset_peer_resets_and_timeout_closes_after_its_time()
        {
            await using var net = new TestNet();
            TcpTestBackend backend = net.Backend();
            TcpBalancer reset = net.Balancer(o => o.Toxics.Add(Toxic(ToxicType.ResetPeer)), backend.Port);
            TcpBalancer timeout = net.Balancer(o => o.Toxics.Add(Toxic(ToxicType.Timeout, timeout: TimeSpan.FromMilliseconds(300))), backend.Port);

            TcpProbeResult resetResult = (await TestNet.ProbeAsync(reset.Port, 1)).Single();
            var watch = Stopwatch.StartNew();
            TcpProbeResult timeoutResult = (await TestNet.ProbeAsync(timeout.Port, 1)).Single();

            Assert.Equal(TcpProbeStatus.Reset, resetResult.Status);
            Assert.Equal(TcpProbeStatus.Success, timeoutResult.Status);
            Assert.Equal("", timeoutResult.Response);
            Assert.True(watch.ElapsedMilliseconds >= 290, $"closed after {watch.ElapsedMilliseconds} ms");
        }

        [Fact]
        public async Task Latency_upstream_only_delays_and_is_removed_from_open_connections()
        {
            await using var net = new TestNet();
            TcpTestBackend backend = net.Backend();
            TcpBalancer balancer = net.Balancer(backend.Port);
            BalancerToxic live = balancer.AddToxic(Toxic(ToxicType.Latency, ToxicDirection.Upstream, latency: TimeSpan.FromMilliseconds(400)));

            TcpProbeResult slow = (await TestNet.ProbeAsync(balancer.Port, 1)).Single();
            Assert.True(balancer.RemoveToxic(live.Name));
            TcpProbeResult fast = (await TestNet.ProbeAsync(balancer.Port, 1)).Single();

            Assert.Equal("latency_upstream", live.Name);
            Assert.True(slow.Latency >= TimeSpan.FromMilliseconds(390), $"{slow.Latency}");
            Assert.Equal(TcpProbeStatus.Success, fast.Status);
            Assert.Equal(1, live.Connections);
            Assert.Equal(1, balancer.Statistics.ToxicConnections);
            Assert.Equal(1, balancer.Backends[0].ToxicConnections);
        }

        [Fact]
        public async Task A_connection_a_toxic_slows_is_not_timed_by_the_response_timeout_nor_held_against_its_backend()
        {
            await using var net = new TestNet();
            TcpTestBackend backend = net.Backend();
            // The client's bytes reach the server four response timeouts late, by the toxic's doing.
            TcpBalancer balancer = net.Balancer(o =>
            {
                TestNet.RareChecks(o);
                o.ResponseTimeout = TimeSpan.FromMilliseconds(150);
                o.Toxics.Add(Toxic(ToxicType.Latency, ToxicDirection.Upstream, latency: TimeSpan.FromMilliseconds(600)));
            }, backend.Port);

            TcpProbeResult result = (await TestNet.ProbeAsync(balancer.Port, 1)).Single();

            Assert.Equal(TcpProbeStatus.Success, result.Status);
            Assert.Equal(0, balancer.Backends[0].Failures);
            Assert.Equal(0, balancer.Statistics.Failed);
        }

        [Fact]
        public async Task Toxicity_zero_touches_nothing_and_names_are_unique()
        {
            await using var net = new TestNet();
            TcpTestBackend backend = net.Backend();
            TcpBalancer balancer = net.Balancer(o => o.Toxics.Add(Toxic(ToxicType.ResetPeer, toxicity: 0)), backend.Port);

            var results = await TestNet.ProbeAsync(balancer.Port, 20, 4);

            Assert.All(results, r => Assert.Equal(TcpProbeStatus.Success, r.Status));
            Assert.Equal(0, balancer.Toxics[0].Connections);
            Assert.Throws<ArgumentException>(() => balancer.AddToxic(Toxic(ToxicType.ResetPeer)));
        }
        [Fact]
        public async Task Slow_close_holds_the_FIN_back_after_the_data()
        {
            await using var net = new TestNet();
            TcpTestBackend backend = net.Backend();
            TcpBalancer balancer = net.Balancer(o => o.Toxics.Add(Toxic(ToxicType.SlowClose, delay: TimeSpan.FromMilliseconds(400))), backend.Port);

            TcpProbeResult result = (await TestNet.ProbeAsync(balancer.Port, 1)).Single();

            Assert.Equal(TcpProbeStatus.Success, result.Status);
            Assert.Equal(TcpTestBackend.ReplyFor(backend.Port), result.Response);
            Assert.True(result.Latency >= TimeSpan.FromMilliseconds(390), $"{result.Latency}");
        }

        [Fact]
        public async Task Outage_refuses_resets_and_ends_on_the_same_port()
        {
            await using var net = new TestNet();
            TcpTestBackend backend = net.Backend();
            TcpBalancer balancer = net.Balancer(backend.Port);
            var changes = new System.Collections.Generic.List<BalancerOutage>();
            balancer.OutageChanged += (s, e) => { lock (changes) { changes.Add(e.Current); } };

            balancer.SetOutage(BalancerOutage.Refuse);
            TcpProbeResult refused = (await TestNet.ProbeAsync(balancer.Port, 1)).Single();
            bool portFree = TestNet.PortIsFree(balancer.Port);
            balancer.SetOutage(BalancerOutage.Reset);
            TcpProbeResult reset = (await TestNet.ProbeAsync(balancer.Port, 1)).Single();
            balancer.SetOutage(BalancerOutage.None);
            TcpProbeResult served = (await TestNet.ProbeAsync(balancer.Port, 1)).Single();

            Assert.Equal(TcpProbeStatus.Refused, refused.Status);
            Assert.False(portFree);
            Assert.Equal(TcpProbeStatus.Reset, reset.Status);
            Assert.Equal(TcpProbeStatus.Success, served.Status);
            Assert.Equal(1, backend.ConnectionsAccepted);
            Assert.Equal(new[] { BalancerOutage.Refuse, BalancerOutage.Reset, BalancerOutage.None }, changes);
        }
    }
}
