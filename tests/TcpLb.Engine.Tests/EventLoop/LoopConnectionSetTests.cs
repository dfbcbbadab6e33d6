using System;
using System.Net.Sockets;
using System.Threading.Tasks;
using TcpLb.Engine.Proxying.Loop;

namespace TcpLb.Engine.Tests.EventLoop
{
    /// <summary>
    /// What reaches open loop connections from other threads through their <see cref="RelayConnectionSet"/>:
    /// deadlines changed by a reload, and the release of clients held for an outage.
    /// </summary>
    public class LoopConnectionSetTests
    {
        [Fact]
        public async Task A_new_idle_limit_reaches_a_connection_that_had_none()
        {
            using var backend = new RawBackend();
            using var relay = new RelayUnderTest(backend.Port, loops: 2, timeouts: new RelayTimeouts(5000, 0, 0));
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                await relay.Observer.WaitForAsync("connected");
                relay.Relay.Connections.ApplyTimeouts(new RelayTimeouts(5000, 200, 0));
                Assert.Equal(200, relay.Relay.Connections.Timeouts.IdleMilliseconds);
                Assert.Equal(SocketError.ConnectionReset, await SocketIo.ReadUntilEndAsync(client));
            }
            await relay.Observer.WaitForAsync("closed");
            Assert.True(relay.Observer.Saw("timeout:Idle"), string.Join(", ", relay.Observer.Events));
            Assert.Equal(0, relay.Relay.Connections.Count);
        }

        [Fact]
        public async Task A_new_FIN_limit_reaches_a_half_closed_connection()
        {
            using var backend = new RawBackend();
            using var relay = new RelayUnderTest(backend.Port, loops: 1, timeouts: new RelayTimeouts(5000, 0, 0));
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                await ClientHalfClosesAsync(relay, client, server);
                relay.Relay.Connections.ApplyTimeouts(new RelayTimeouts(5000, 0, 200));
                Assert.Equal(SocketError.ConnectionReset, await SocketIo.ReadUntilEndAsync(client));
            }
            await relay.Observer.WaitForAsync("timeout:Fin");
        }

        [Fact]
        public async Task After_a_FIN_the_other_direction_may_go_on_while_it_keeps_moving()
        {
            using var backend = new RawBackend();
            using var relay = new RelayUnderTest(backend.Port, loops: 1, timeouts: new RelayTimeouts(5000, 0, 1500));
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                await ClientHalfClosesAsync(relay, client, server);
                // The server keeps answering, each piece only when the last has arrived: longer than the
                // FIN limit in all, never silent for anywhere near it.
                var piece = new byte[100];
                for (int i = 0; i < 10; i++)
                {
                    await server.SendAsync(piece, SocketFlags.None);
                    await RawBackend.ReadExactlyAsync(client, piece.Length);
                    await Task.Delay(200); // pacing, not waiting for a state: 2 s of answers, against a 1.5 s limit
                }
                await SocketIo.HalfCloseAsync(server, client);
            }
            await relay.Observer.WaitForAsync("closed");
            Assert.False(relay.Observer.Saw("timeout:Fin"), string.Join(", ", relay.Observer.Events));
        }

        [Fact]
        public async Task A_held_client_waits_with_one_buffer_at_most_until_the_outage_ends()
        {
            using var backend = new RawBackend();
            using var relay = new RelayUnderTest(backend.Port, loops: 1, holdClients: true);
            using Socket client = await relay.ConnectAsync();
            Task sending = SocketIo.SendAllAsync(client, new byte[256 * 1024]);
            await WaitUntilAsync(() => relay.Relay.Connections.HeldCount == 1);
            await OnLoop<int>.RunAsync(relay.Relay.Loops[0], loop => 0); // a turn after the reads
            int rented = await OnLoop<int>.RunAsync(relay.Relay.Loops[0], loop => loop.Buffers.Rented);
            Assert.InRange(rented, 0, 1);
            Assert.False(relay.Observer.Saw("connected"));

            relay.Relay.Connections.ReleaseHeld();
            Assert.Equal(SocketError.ConnectionReset, await SocketIo.ReadUntilEndAsync(client));
            await relay.Observer.WaitForAsync("closed");
            Assert.Equal(0, relay.Relay.Connections.HeldCount);
            Assert.Equal(0, relay.Relay.Connections.Count);
            try
            {
                await sending.WaitAsync(TestNet.Patience); // the kernel's buffers may have taken it all before the reset
            }
            catch (SocketException)
            {
            }
        }

        [Fact]
        public async Task A_held_client_that_resets_ends_its_hold_and_stopping_resets_the_others()
        {
            using var backend = new RawBackend();
            var relay = new RelayUnderTest(backend.Port, loops: 1, holdClients: true);
            using Socket leaving = await relay.ConnectAsync();
            using Socket staying = await relay.ConnectAsync();
            await WaitUntilAsync(() => relay.Relay.Connections.HeldCount == 2);
            SocketIo.ResetHard(leaving);
            await relay.Observer.WaitForAsync("reset:Client");
            // The hold ends on the loop thread as the reset is handled; the test's thread may read the count just before.
            await WaitUntilAsync(() => relay.Relay.Connections.HeldCount == 1);
            Assert.Equal(1, relay.Relay.Connections.HeldCount);

            relay.Dispose();
            Assert.Equal(SocketError.ConnectionReset, await SocketIo.ReadUntilEndAsync(staying));
            Assert.Equal(2, relay.Observer.Closed);
        }

        /// <summary>The client sends FIN, the server sees it, the relay has reported it.</summary>
        private static async Task ClientHalfClosesAsync(RelayUnderTest relay, Socket client, Socket server)
        {
            await SocketIo.HalfCloseAsync(client, server);
            await relay.Observer.WaitForAsync("fin:Client");
        }

        /// <summary>Waits for a state another thread changes (checked every 10 ms, within the tests' patience).</summary>
        internal static async Task WaitUntilAsync(Func<bool> done)
        {
            DateTime giveUp = DateTime.UtcNow + TestNet.Patience;
            while (!done())
            {
                Assert.True(DateTime.UtcNow < giveUp, "the state was not reached in time");
                await Task.Delay(10);
            }
        }
    }
}
