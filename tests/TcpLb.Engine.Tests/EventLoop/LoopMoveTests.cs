using System;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Net.EventLoop;
using TcpLb.Engine.Proxying.Loop;

namespace TcpLb.Engine.Tests.EventLoop
{
    /// <summary>A live relayed connection moved from one loop of its group to another (what a packing policy would do).</summary>
    public class LoopMoveTests
    {
        private const int Megabyte = 1024 * 1024;

        [Fact]
        public async Task A_connection_moved_mid_stream_arrives_byte_exact_and_half_closes_cleanly_each_way()
        {
            using var backend = new RawBackend();
            var observer = new MoveObserver();
            using var relay = new RelayUnderTest(backend.Port, observer: observer);
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                // More than loopback's socket buffers hold on the way, so the relay ends up holding bytes it cannot send.
                byte[] up = SocketIo.RandomBytes(40 * Megabyte + 5, 21);
                byte[] down = SocketIo.RandomBytes(36 * Megabyte + 9, 22);
                Task sends = Task.WhenAll(SocketIo.SendAllAsync(client, up), SocketIo.SendAllAsync(server, down));
                // A first part each way, then nobody reads: the relay is back-pressured, bytes wait in its buffers.
                byte[] serverHead = await RawBackend.ReadExactlyAsync(server, Megabyte);
                byte[] clientHead = await RawBackend.ReadExactlyAsync(client, Megabyte);
                LoopRelayConnection connection = await observer.ConnectionAsync();
                EpollLoop[] loops = relay.Relay.Loops;
                EpollLoop from = connection.Loop;
                EpollLoop to = loops[0] == from ? loops[1] : loops[0];
                int fromSockets = from.OpenSockets;
                int toSockets = to.OpenSockets;

                Assert.True(await MoveWithBytesInFlightAsync(connection, to));

                Assert.Same(to, connection.Loop);
                Assert.Equal(fromSockets - 2, from.OpenSockets);
                Assert.Equal(toSockets + 2, to.OpenSockets);
                Task<byte[]> serverTail = RawBackend.ReadExactlyAsync(server, up.Length - Megabyte);
                Task<byte[]> clientTail = RawBackend.ReadExactlyAsync(client, down.Length - Megabyte);
                await sends;
                byte[] atServer = SocketIo.Concat(serverHead, await serverTail);
                byte[] atClient = SocketIo.Concat(clientHead, await clientTail);
                Assert.True(up.AsSpan().SequenceEqual(atServer), "client→server bytes differ");
                Assert.True(down.AsSpan().SequenceEqual(atClient), "server→client bytes differ");
                await SocketIo.HalfCloseAsync(client, server);
                await SocketIo.HalfCloseAsync(server, client);
            }
            await observer.WaitAsync(() => observer.Closed == 1);
            Assert.True(observer.Saw("fin:Client") && observer.Saw("fin:Server"), string.Join(", ", observer.Events));
            Assert.False(observer.Saw("reset:Client") || observer.Saw("reset:Server"), string.Join(", ", observer.Events));
            Assert.Equal(40 * Megabyte + 5, observer.BytesFromClient);
            Assert.Equal(36 * Megabyte + 9, observer.BytesFromServer);
            await AssertNothingRentedAsync(relay);
            Assert.Empty(relay.Trace.Faults);
        }

        [Fact]
        public async Task Moved_back_and_forth_under_traffic_nothing_is_lost()
        {
            using var backend = new RawBackend();
            var observer = new MoveObserver();
            using var relay = new RelayUnderTest(backend.Port, observer: observer, bufferSize: 4096);
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                byte[] up = SocketIo.RandomBytes(6 * Megabyte + 1, 31);
                byte[] down = SocketIo.RandomBytes(6 * Megabyte + 3, 32);
                Task<byte[]> serverReads = RawBackend.ReadExactlyAsync(server, up.Length);
                Task<byte[]> clientReads = RawBackend.ReadExactlyAsync(client, down.Length);
                Task sends = Task.WhenAll(SocketIo.SendAllAsync(client, up, 16 * 1024), SocketIo.SendAllAsync(server, down, 16 * 1024));
                LoopRelayConnection connection = await observer.ConnectionAsync();
                int moves = 0;
                for (int i = 0; i < 40; i++)
                {
                    int target = Array.IndexOf(relay.Relay.Loops, connection.Loop) ^ 1;
                    Assert.True(await relay.Relay.RequestMove(connection, target).WaitAsync(TestNet.Patience), "move " + i);
                    moves++;
                }
                await sends;
                byte[] atServer = await serverReads;
                byte[] atClient = await clientReads;
                Assert.True(up.AsSpan().SequenceEqual(atServer), "client→server bytes differ");
                Assert.True(down.AsSpan().SequenceEqual(atClient), "server→client bytes differ");
                Assert.Equal(40, moves);
                await SocketIo.HalfCloseAsync(client, server);
                await SocketIo.HalfCloseAsync(server, client);
            }
            await observer.WaitAsync(() => observer.Closed == 1);
            Assert.False(observer.Saw("reset:Client") || observer.Saw("reset:Server"), string.Join(", ", observer.Events));
            await AssertNothingRentedAsync(relay);
            Assert.Equal(relay.Relay.Loops[0].OpenSockets + relay.Relay.Loops[1].OpenSockets, ListenerSockets(relay));
            Assert.Empty(relay.Trace.Faults);
        }

        [Fact]
        public async Task After_a_move_the_idle_timeout_fires_on_the_new_loop()
        {
            using var backend = new RawBackend();
            var observer = new MoveObserver();
            using var relay = new RelayUnderTest(backend.Port, observer: observer, timeouts: new RelayTimeouts(5000, 60_000, 0));
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                await client.SendAsync(new byte[] { 1 }, SocketFlags.None);
                await RawBackend.ReadExactlyAsync(server, 1);
                LoopRelayConnection connection = await observer.ConnectionAsync();
                EpollLoop[] loops = relay.Relay.Loops;
                EpollLoop to = loops[0] == connection.Loop ? loops[1] : loops[0];
                Assert.True(await relay.Relay.RequestMove(connection, Array.IndexOf(loops, to)).WaitAsync(TestNet.Patience));
                Assert.Equal(1, relay.Relay.Connections.Count);

                // A reload reaches the moved connection through the new loop's list; the timer fires on that loop.
                relay.Relay.Connections.ApplyTimeouts(new RelayTimeouts(5000, 200, 0));

                Assert.Equal(SocketError.ConnectionReset, await SocketIo.ReadUntilEndAsync(client));
                Assert.Equal(SocketError.ConnectionReset, await SocketIo.ReadUntilEndAsync(server));
                await observer.WaitForAsync("closed");
                Assert.Equal(to.Name, observer.TimedOutOn);
            }
            Assert.True(observer.Saw("timeout:Idle"), string.Join(", ", observer.Events));
            Assert.Equal(0, relay.Relay.Connections.Count);
        }

        [Fact]
        public async Task A_move_refused_while_reading_a_preamble_leaves_the_connection_working()
        {
            using var backend = new RawBackend();
            var observer = new MoveObserver { Backend = new NativeEndPoint(new IPEndPoint(IPAddress.Loopback, backend.Port)) };
            using var relay = new RelayUnderTest(backend.Port, observer: observer, preambleMaxBytes: 64);
            using Socket client = await relay.ConnectAsync();
            await client.SendAsync(Encoding.ASCII.GetBytes("HD"), SocketFlags.None);
            await observer.WaitAsync(() => observer.Peeked != null); // judged incomplete: still reading the preamble
            LoopRelayConnection connection = observer.Peeked!;
            EpollLoop home = connection.Loop;
            int target = Array.IndexOf(relay.Relay.Loops, home) ^ 1;

            Assert.False(await relay.Relay.RequestMove(connection, target).WaitAsync(TestNet.Patience));

            Assert.Same(home, connection.Loop);
            byte[] data = SocketIo.RandomBytes(5000, 41);
            await client.SendAsync(SocketIo.Concat(Encoding.ASCII.GetBytes("R!"), data), SocketFlags.None);
            using Socket server = await backend.AcceptAsync();
            Assert.Equal(data, await RawBackend.ReadExactlyAsync(server, data.Length));
            await server.SendAsync(data, SocketFlags.None);
            Assert.Equal(data, await RawBackend.ReadExactlyAsync(client, data.Length));
            // Relaying now, it moves.
            Assert.True(await relay.Relay.RequestMove(connection, target).WaitAsync(TestNet.Patience));
            await client.SendAsync(data, SocketFlags.None);
            Assert.Equal(data, await RawBackend.ReadExactlyAsync(server, data.Length));
            Assert.False(observer.Saw("closed"));
        }

        [Fact]
        public async Task An_abort_asked_while_a_connection_moves_resets_it_on_its_new_loop()
        {
            using var backend = new RawBackend();
            var observer = new MoveObserver();
            using var relay = new RelayUnderTest(backend.Port, observer: observer);
            var (client, server) = await relay.PairAsync(backend);
            LoopRelayConnection connection = await observer.ConnectionAsync();
            int target = Array.IndexOf(relay.Relay.Loops, connection.Loop) ^ 1;
            using (client)
            using (server)
            {
                // Asked once the connection has left its loop: the abort goes to the new loop (the arrival, or a post after it, honours it).
                var landed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                Assert.True(await OnLoop<bool>.RunAsync(connection.Loop, _ =>
                {
                    bool moving = connection.TryMove(relay.Relay.Loops[target], arrived => landed.TrySetResult(arrived));
                    connection.RequestAbort();
                    return moving;
                }));
                await landed.Task.WaitAsync(TestNet.Patience); // false when the abort beat the arrival, true when it came just after
                Assert.Equal(SocketError.ConnectionReset, await SocketIo.ReadUntilEndAsync(client));
                Assert.Equal(SocketError.ConnectionReset, await SocketIo.ReadUntilEndAsync(server));
            }
            await observer.WaitAsync(() => observer.Closed == 1);
            Assert.Same(relay.Relay.Loops[target], connection.Loop);
            Assert.Equal(ListenerSockets(relay), relay.Relay.Loops[0].OpenSockets + relay.Relay.Loops[1].OpenSockets);
            await AssertNothingRentedAsync(relay);
            Assert.Equal(0, relay.Relay.Connections.Count);
            Assert.Empty(relay.Trace.Faults);
        }

        [Fact]
        public async Task A_move_to_its_own_loop_or_out_of_range_is_refused()
        {
            using var backend = new RawBackend();
            var observer = new MoveObserver();
            using var relay = new RelayUnderTest(backend.Port, observer: observer);
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                LoopRelayConnection connection = await observer.ConnectionAsync();
                int home = Array.IndexOf(relay.Relay.Loops, connection.Loop);
                Assert.False(await relay.Relay.RequestMove(connection, home).WaitAsync(TestNet.Patience));
                var error = Assert.Throws<ArgumentOutOfRangeException>(() => { _ = relay.Relay.RequestMove(connection, 2); });
                Assert.Contains("0 to 1", error.Message);
                await client.SendAsync(new byte[] { 7 }, SocketFlags.None);
                Assert.Equal(new byte[] { 7 }, await RawBackend.ReadExactlyAsync(server, 1));
            }
        }

        /// <summary>
        /// Moves <paramref name="connection"/> from its loop's own thread at a turn where it holds bytes
        /// it could not send yet (its buffers go along): asked turn after turn until the back-pressured
        /// relay is there, within the tests' patience.
        /// </summary>
        private static async Task<bool> MoveWithBytesInFlightAsync(LoopRelayConnection connection, EpollLoop to)
        {
            var landed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            EpollLoop from = connection.Loop;
            var patience = System.Diagnostics.Stopwatch.StartNew();
            while (!await OnLoop<bool>.RunAsync(from, _ => connection.BytesInFlight > 0 && connection.TryMove(to, arrived => landed.TrySetResult(arrived))))
            {
                Assert.True(patience.Elapsed < TestNet.Patience, "the relay never held bytes in flight");
                await Task.Yield();
            }
            return await landed.Task.WaitAsync(TestNet.Patience);
        }

        private static async Task AssertNothingRentedAsync(RelayUnderTest relay)
        {
            foreach (EpollLoop loop in relay.Relay.Loops)
            {
                Assert.Equal(0, await OnLoop<int>.RunAsync(loop, l => l.Buffers.Rented));
            }
        }

        /// <summary>What the loops hold with no connection: their listeners (one each with SO_REUSEPORT).</summary>
        private static int ListenerSockets(RelayUnderTest relay) => relay.Relay.Loops.Length;

        /// <summary>Keeps the connection it was told about and the loop a timeout fired on; takes the preamble "HDR!" (4 bytes), then connects.</summary>
        private sealed class MoveObserver : RecordingObserver
        {
            private readonly TaskCompletionSource<LoopRelayConnection> _connected = new TaskCompletionSource<LoopRelayConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
            private LoopRelayConnection? _peeked;

            public LoopRelayConnection? Peeked => Volatile.Read(ref _peeked);

            public string? TimedOutOn { get; private set; }

            /// <summary>Where a client goes once its preamble is taken.</summary>
            public NativeEndPoint? Backend { get; set; }

            public Task<LoopRelayConnection> ConnectionAsync() => _connected.Task.WaitAsync(TestNet.Patience);

            public override int OnClientPreamble(IRelayConnection connection, byte[] bytes, int count)
            {
                int length = count >= 4 ? 4 : 0;
                Volatile.Write(ref _peeked, (LoopRelayConnection)connection);
                Note("peeked:" + count);
                if (length > 0)
                {
                    connection.ConnectTo(Backend!);
                }
                return length;
            }

            public override void OnConnected(IRelayConnection connection)
            {
                _connected.TrySetResult((LoopRelayConnection)connection);
                base.OnConnected(connection);
            }

            public override void OnTimedOut(IRelayConnection connection, RelayTimeout which)
            {
                TimedOutOn = Thread.CurrentThread.Name;
                base.OnTimedOut(connection, which);
            }
        }
    }
}
