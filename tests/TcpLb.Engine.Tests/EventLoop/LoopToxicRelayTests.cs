using System;
using System.Diagnostics;
using System.Net.Sockets;
using System.Threading.Tasks;
using TcpLb.Engine.Net.EventLoop;
using TcpLb.Engine.Proxying.Loop;
using TcpLb.Engine.Proxying.Toxics;

namespace TcpLb.Engine.Tests.EventLoop
{
    /// <summary>
    /// Toxics on the loop relay end to end: the direction keeps what its shaper holds back and the
    /// connection's timer wakes it. Times are asserted as lower bounds only (a busy machine is late,
    /// never early).
    /// </summary>
    public class LoopToxicRelayTests
    {
        [Fact]
        public async Task Latency_delays_what_the_client_receives()
        {
            using var backend = new RawBackend();
            var observer = new ShapeOnConnect(null, Toxic(new ToxicDefinition(ToxicType.Latency, latency: TimeSpan.FromMilliseconds(150))));
            using var relay = new RelayUnderTest(backend.Port, loops: 1, observer: observer);
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                await observer.WaitForAsync("connected");
                var watch = Stopwatch.StartNew();
                await server.SendAsync(new byte[] { 1, 2, 3 }, SocketFlags.None);
                Assert.Equal(new byte[] { 1, 2, 3 }, await RawBackend.ReadExactlyAsync(client, 3));
                Assert.True(watch.ElapsedMilliseconds >= 140, $"arrived after {watch.ElapsedMilliseconds} ms");
                // The other direction is not delayed (no toxic there): bytes and FINs still pass.
                await SocketIo.HalfCloseAsync(client, server);
                await SocketIo.HalfCloseAsync(server, client);
            }
            await observer.WaitForAsync("closed");
            Assert.Empty(relay.Trace.Faults);
        }

        [Fact]
        public async Task A_shaped_direction_whose_sends_come_out_partial_keeps_one_buffer_and_loses_nothing()
        {
            using var backend = new RawBackend();
            var observer = new ShapeOnConnect(null, Toxic(new ToxicDefinition(ToxicType.Latency, latency: TimeSpan.FromMilliseconds(1))));
            using var relay = new RelayUnderTest(backend.Port, loops: 1, observer: observer);
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                await observer.WaitForAsync("connected");
                // A small send buffer toward the client: the relay's sends of what the shaper allowed come out partial, then go on at EPOLLOUT.
                LoopRelayConnection connection = observer.Last!;
                await OnLoop<int>.RunAsync(relay.Relay.Loops[0], _ =>
                {
                    NativeSocket.SetInt(connection.Client.Fd, LinuxNative.SOL_SOCKET, LinuxNative.SO_SNDBUF, 4096);
                    return 0;
                });
                byte[] data = SocketIo.RandomBytes(512 * 1024 + 5, 25);
                Task sending = SocketIo.SendAllAsync(server, data);
                int rented = await OnLoop<int>.RunAsync(relay.Relay.Loops[0], loop => loop.Buffers.Rented);
                Assert.InRange(rented, 0, 2);
                Assert.Equal(data, await RawBackend.ReadExactlyAsync(client, data.Length));
                await sending;
            }
        }

        [Fact]
        public async Task Bandwidth_paces_a_transfer_and_every_byte_arrives_in_order()
        {
            using var backend = new RawBackend();
            var observer = new ShapeOnConnect(null, Toxic(new ToxicDefinition(ToxicType.Bandwidth, rateBytesPerSecond: 40_000)));
            using var relay = new RelayUnderTest(backend.Port, loops: 1, observer: observer);
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                await observer.WaitForAsync("connected");
                byte[] data = SocketIo.RandomBytes(20_000, 21);
                var watch = Stopwatch.StartNew();
                await SocketIo.SendAllAsync(server, data);
                Assert.Equal(data, await RawBackend.ReadExactlyAsync(client, data.Length));
                // 10 slices of 2000 bytes, 50 ms apart: at least 450 ms.
                Assert.True(watch.ElapsedMilliseconds >= 400, $"20,000 bytes at 40,000 B/s took {watch.ElapsedMilliseconds} ms");
            }
        }

        [Fact]
        public async Task Limit_data_passes_its_bytes_then_a_FIN()
        {
            using var backend = new RawBackend();
            var observer = new ShapeOnConnect(Toxic(new ToxicDefinition(ToxicType.LimitData, direction: ToxicDirection.Upstream, bytes: 1000)), null);
            using var relay = new RelayUnderTest(backend.Port, loops: 1, observer: observer);
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                byte[] data = SocketIo.RandomBytes(5000, 22);
                await client.SendAsync(data, SocketFlags.None);
                Assert.Equal(data.AsSpan(0, 1000).ToArray(), await SocketIo.ReadToEndAsync(server));
                await observer.WaitForAsync("fin:Client");
            }
        }

        [Fact]
        public async Task Reset_peer_with_no_timeout_resets_at_once()
        {
            using var backend = new RawBackend();
            var observer = new ShapeOnConnect(null, Toxic(new ToxicDefinition(ToxicType.ResetPeer)));
            using var relay = new RelayUnderTest(backend.Port, loops: 1, observer: observer);
            SocketError ended = await relay.ConnectAndReadUntilEndAsync();
            Assert.Equal(SocketError.ConnectionReset, ended);
            using (Socket server = await backend.AcceptAsync())
            {
                Assert.Equal(SocketError.ConnectionReset, await SocketIo.ReadUntilEndAsync(server));
            }
            await observer.WaitForAsync("closed");
            Assert.True(observer.Saw("connected"), string.Join(", ", observer.Events));
        }

        [Fact]
        public async Task Timeout_drops_the_bytes_then_closes_both_ways_cleanly()
        {
            using var backend = new RawBackend();
            var observer = new ShapeOnConnect(Toxic(new ToxicDefinition(ToxicType.Timeout, direction: ToxicDirection.Upstream, timeout: TimeSpan.FromMilliseconds(300))), null);
            using var relay = new RelayUnderTest(backend.Port, loops: 1, observer: observer);
            // The timeout counts from the connect, inside the pairing (which a busy machine can make longer than 300 ms).
            var watch = Stopwatch.StartNew();
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                await client.SendAsync(new byte[100], SocketFlags.None);
                Assert.Empty(await SocketIo.ReadToEndAsync(server)); // nothing got through, then a FIN
                Assert.Empty(await SocketIo.ReadToEndAsync(client));
                Assert.True(watch.ElapsedMilliseconds >= 250, $"closed after {watch.ElapsedMilliseconds} ms");
            }
            await observer.WaitForAsync("closed");
            Assert.Equal(new[] { "connected", "ending", "closed" }, observer.Events); // closed by the toxic: not a server's failure, no reset
        }

        [Fact]
        public async Task Slow_close_holds_the_FIN_back_after_the_data()
        {
            using var backend = new RawBackend();
            var observer = new ShapeOnConnect(null, Toxic(new ToxicDefinition(ToxicType.SlowClose, delay: TimeSpan.FromMilliseconds(200))));
            using var relay = new RelayUnderTest(backend.Port, loops: 1, observer: observer);
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                await observer.WaitForAsync("connected");
                byte[] data = SocketIo.RandomBytes(3000, 23);
                var watch = Stopwatch.StartNew();
                await server.SendAsync(data, SocketFlags.None);
                server.Shutdown(SocketShutdown.Send);
                Assert.Equal(data, await RawBackend.ReadExactlyAsync(client, data.Length));
                Assert.Empty(await SocketIo.ReadToEndAsync(client));
                Assert.True(watch.ElapsedMilliseconds >= 190, $"the FIN came after {watch.ElapsedMilliseconds} ms");
            }
        }

        [Fact]
        public async Task Slicer_delivers_every_byte_in_order()
        {
            using var backend = new RawBackend();
            var observer = new ShapeOnConnect(Toxic(new ToxicDefinition(ToxicType.Slicer, direction: ToxicDirection.Upstream, averageSize: 100, sizeVariation: 50, delay: TimeSpan.FromMilliseconds(1))), null);
            using var relay = new RelayUnderTest(backend.Port, loops: 1, observer: observer);
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                byte[] data = SocketIo.RandomBytes(3000, 24);
                await client.SendAsync(data, SocketFlags.None);
                client.Shutdown(SocketShutdown.Send);
                Assert.Equal(data, await SocketIo.ReadToEndAsync(server));
            }
        }

        private static ILoopChunkShaper Toxic(ToxicDefinition definition) => LoopToxicChain.CreateOne(new ToxicSourceStub(definition));

        /// <summary>Stands in for the pipeline: shapes each connection as it reaches its server.</summary>
        private sealed class ShapeOnConnect : RecordingObserver
        {
            private readonly ILoopChunkShaper? _up;
            private readonly ILoopChunkShaper? _down;

            public ShapeOnConnect(ILoopChunkShaper? up, ILoopChunkShaper? down)
            {
                _up = up;
                _down = down;
            }

            public LoopRelayConnection? Last { get; private set; }

            public override void OnConnected(IRelayConnection connection)
            {
                Last = (LoopRelayConnection)connection;
                connection.ShapeWith(_up, _down);
                base.OnConnected(connection);
            }
        }
    }
}
