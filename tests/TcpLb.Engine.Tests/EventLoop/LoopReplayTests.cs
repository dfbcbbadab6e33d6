using System;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using TcpLb.Engine.Net.EventLoop;
using TcpLb.Engine.Proxying;
using TcpLb.Engine.Proxying.Loop;

namespace TcpLb.Engine.Tests.EventLoop
{
    /// <summary>
    /// Replay on the loop relay: a server that fails before its first byte (reset, FIN, response
    /// timeout) is abandoned and the client, with every byte it sent, moves to the next server;
    /// what cannot move is passed on as it was.
    /// </summary>
    public class LoopReplayTests
    {
        private static readonly byte[] Header = Encoding.ASCII.GetBytes("PROXY TCP4 192.0.2.1 192.0.2.2 1234 80\r\n");

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task A_server_that_resets_before_answering_is_replaced_and_the_next_gets_every_byte_in_order(bool clientFinFirst)
        {
            using var rig = new ReplayRig(Header, 64 * 1024);
            var (first, second, observer, relay) = (rig.First, rig.Second, rig.Observer, rig.Relay);
            var (client, server1) = await relay.PairAsync(first);
            using (client)
            using (server1)
            {
                byte[] request = SocketIo.RandomBytes(3000, 11);
                await SocketIo.SendAllAsync(client, request);
                if (clientFinFirst)
                {
                    client.Shutdown(SocketShutdown.Send);
                    Assert.Equal(request, await SocketIo.ReadToEndAsync(server1)); // the FIN reached the first server
                }
                else
                {
                    Assert.Equal(request, await RawBackend.ReadExactlyAsync(server1, request.Length));
                }
                SocketIo.ResetHard(server1); // a reset before any answer

                using Socket server2 = await second.AcceptAsync();
                byte[] more = SocketIo.RandomBytes(2000, 12);
                byte[] expected;
                if (clientFinFirst)
                {
                    expected = SocketIo.Concat(Header, request);
                }
                else
                {
                    await SocketIo.SendAllAsync(client, more);
                    client.Shutdown(SocketShutdown.Send);
                    expected = SocketIo.Concat(Header, request, more);
                }
                // The header, the replay, what the client sent since, then the client's FIN.
                Assert.Equal(expected, await SocketIo.ReadToEndAsync(server2));
                byte[] answer = SocketIo.RandomBytes(5000, 13);
                await SocketIo.SendAllAsync(server2, answer);
                server2.Shutdown(SocketShutdown.Send);
                Assert.Equal(answer, await SocketIo.ReadToEndAsync(client));
                await observer.WaitForAsync("closed");
                Assert.Equal(request.Length, observer.FirstCounter.Bytes);
                Assert.Equal(expected.Length - Header.Length, observer.SecondCounter.Bytes); // the replay counts for the next backend
                Assert.Equal(expected.Length - Header.Length, observer.ClientTotal.Bytes); // the total counts each byte once
                Assert.Equal(answer.Length, observer.ServerTotal.Bytes);
            }
            Assert.True(observer.Saw("failed-before-response:Reset:movable"), string.Join(", ", observer.Events));
            Assert.False(observer.Saw("reset:Server") || observer.Saw("reset:Client"), string.Join(", ", observer.Events));
            Assert.Equal(0, observer.HeldAtAnswer);
            Assert.Empty(relay.Trace.Faults);
        }

        [Fact]
        public async Task A_server_FIN_before_answering_moves_the_client_too()
        {
            using var rig = new ReplayRig(null, 1024);
            var (first, second, observer, relay) = (rig.First, rig.Second, rig.Observer, rig.Relay);
            var (client, server1) = await relay.PairAsync(first);
            using (client)
            using (server1)
            {
                byte[] request = SocketIo.RandomBytes(700, 14);
                await client.SendAsync(request, SocketFlags.None);
                Assert.Equal(request, await RawBackend.ReadExactlyAsync(server1, request.Length));
                server1.Shutdown(SocketShutdown.Send); // an empty answer
                using Socket server2 = await second.AcceptAsync();
                Assert.Equal(request, await RawBackend.ReadExactlyAsync(server2, request.Length));
                await server2.SendAsync(new byte[] { 42 }, SocketFlags.None);
                Assert.Equal(new byte[] { 42 }, await RawBackend.ReadExactlyAsync(client, 1));
            }
            await observer.WaitForAsync("closed");
            // The first server's FIN never reached the client: the only one it saw is the second server's, after its answer.
            var events = new System.Collections.Generic.List<string>(observer.Events);
            Assert.True(events.IndexOf("failed-before-response:Close:movable") >= 0, string.Join(", ", events));
            Assert.True(events.IndexOf("fin:Server") < 0 || events.IndexOf("fin:Server") > events.IndexOf("first-server-byte"), string.Join(", ", events));
        }

        [Fact]
        public async Task The_response_timeout_moves_a_movable_client_instead_of_resetting_it()
        {
            // 2 s: the second server must answer within it too, on a busy machine.
            using var rig = new ReplayRig(null, 1024, new RelayTimeouts(5000, 0, 0, 2000));
            var (first, second, observer, relay) = (rig.First, rig.Second, rig.Observer, rig.Relay);
            byte[] request = SocketIo.RandomBytes(100, 15);
            Task<Socket> secondAnswers = Task.Run(async () =>
            {
                Socket server2 = await second.AcceptAsync();
                Assert.Equal(request, await RawBackend.ReadExactlyAsync(server2, request.Length));
                await server2.SendAsync(new byte[] { 7 }, SocketFlags.None);
                return server2;
            });
            var (client, server1) = await relay.PairAsync(first);
            using (client)
            using (server1)
            {
                await client.SendAsync(request, SocketFlags.None);
                Assert.Equal(request, await RawBackend.ReadExactlyAsync(server1, request.Length));
                // The first server says nothing: the relay gives up on it, not on the client.
                Assert.Equal(new byte[] { 7 }, await RawBackend.ReadExactlyAsync(client, 1));
                Assert.Equal(SocketError.ConnectionReset, await SocketIo.ReadUntilEndAsync(server1));
                using Socket server2 = await secondAnswers.WaitAsync(TestNet.Patience);
            }
            await observer.WaitForAsync("closed");
            Assert.True(observer.Saw("failed-before-response:Timeout:movable"), string.Join(", ", observer.Events));
            Assert.False(observer.Saw("timeout:Response"));
        }

        [Fact]
        public async Task Without_held_bytes_the_failure_is_reported_not_movable_and_passed_on_as_a_reset()
        {
            using var rig = new ReplayRig(null, 0);
            var (first, second, observer, relay) = (rig.First, rig.Second, rig.Observer, rig.Relay);
            var (client, server1) = await relay.PairAsync(first);
            using (client)
            using (server1)
            {
                await client.SendAsync(new byte[10], SocketFlags.None);
                await RawBackend.ReadExactlyAsync(server1, 10);
                SocketIo.ResetHard(server1);
                Assert.Equal(SocketError.ConnectionReset, await SocketIo.ReadUntilEndAsync(client));
            }
            await observer.WaitForAsync("closed");
            Assert.Equal(new[] { "connected", "failed-before-response:Reset", "abandon-refused", "reset:Server", "ending", "closed" }, observer.Events);
        }

        [Fact]
        public async Task A_reset_after_more_than_the_replay_window_is_a_connection_in_service_and_is_passed_on()
        {
            using var rig = new ReplayRig(null, 1000);
            var (first, second, observer, relay) = (rig.First, rig.Second, rig.Observer, rig.Relay);
            var (client, server1) = await relay.PairAsync(first);
            using (client)
            using (server1)
            {
                await SocketIo.SendAllAsync(client, new byte[5000]);
                await RawBackend.ReadExactlyAsync(server1, 5000);
                SocketIo.ResetHard(server1);
                Assert.Equal(SocketError.ConnectionReset, await SocketIo.ReadUntilEndAsync(client));
            }
            await observer.WaitForAsync("closed");
            Assert.Equal(new[] { "connected", "reset:Server", "ending", "closed" }, observer.Events);
        }

        [Fact]
        public async Task A_server_FIN_that_answers_a_bare_client_FIN_is_no_failure()
        {
            using var rig = new ReplayRig(null, 1000);
            var (first, second, observer, relay) = (rig.First, rig.Second, rig.Observer, rig.Relay);
            var (client, server1) = await relay.PairAsync(first);
            using (client)
            using (server1)
            {
                await SocketIo.HalfCloseAsync(client, server1);
                await SocketIo.HalfCloseAsync(server1, client);
            }
            await observer.WaitForAsync("closed");
            Assert.Equal(new[] { "connected", "fin:Client", "fin:Server", "ending", "closed" }, observer.Events);
        }

        [Fact]
        public async Task After_the_first_answer_nothing_is_held_and_a_reset_is_passed_on()
        {
            using var rig = new ReplayRig(null, 1000);
            var (first, second, observer, relay) = (rig.First, rig.Second, rig.Observer, rig.Relay);
            var (client, server1) = await relay.PairAsync(first);
            using (client)
            using (server1)
            {
                await client.SendAsync(new byte[] { 1, 2 }, SocketFlags.None);
                await RawBackend.ReadExactlyAsync(server1, 2);
                await server1.SendAsync(new byte[] { 3 }, SocketFlags.None);
                await RawBackend.ReadExactlyAsync(client, 1);
                SocketIo.ResetHard(server1);
                Assert.Equal(SocketError.ConnectionReset, await SocketIo.ReadUntilEndAsync(client));
            }
            await observer.WaitForAsync("closed");
            Assert.Equal(new[] { "connected", "first-server-byte", "reset:Server", "ending", "closed" }, observer.Events);
            Assert.Equal(0, observer.HeldAtAnswer);
        }

        /// <summary>A relay in front of a first backend, and a second backend its observer moves clients to.</summary>
        private sealed class ReplayRig : IDisposable
        {
            public ReplayRig(byte[]? header, int replayCapacity, RelayTimeouts? timeouts = null)
            {
                Observer = new MoveOnFailure(Second.Port, header);
                Relay = new RelayUnderTest(First.Port, loops: 1, observer: Observer, replayCapacity: replayCapacity, timeouts: timeouts);
            }

            public RawBackend First { get; } = new RawBackend();

            public RawBackend Second { get; } = new RawBackend();

            public MoveOnFailure Observer { get; }

            public RelayUnderTest Relay { get; }

            public void Dispose()
            {
                Relay.Dispose();
                First.Dispose();
                Second.Dispose();
            }
        }

        [Fact]
        public async Task A_bare_client_FIN_asks_for_no_answer_so_the_response_timeout_stays_quiet()
        {
            // Idle at 800 ms ends the pair, which shows the response timeout (200 ms) never started.
            using var rig = new ReplayRig(null, 1000, new RelayTimeouts(5000, 800, 0, 200));
            var (client, server1) = await rig.Relay.PairAsync(rig.First);
            using (client)
            using (server1)
            {
                await SocketIo.HalfCloseAsync(client, server1);
                Assert.Equal(SocketError.ConnectionReset, await SocketIo.ReadUntilEndAsync(client));
            }
            await rig.Observer.WaitForAsync("closed");
            Assert.Equal(new[] { "connected", "fin:Client", "timeout:Idle", "ending", "closed" }, rig.Observer.Events);
        }

        /// <summary>Stands in for the pipeline: a movable client moves once, to the next backend, with a header first.</summary>
        internal sealed class MoveOnFailure : RecordingObserver
        {
            private readonly NativeEndPoint _next;
            private readonly byte[]? _header;

            public MoveOnFailure(int nextPort, byte[]? header)
            {
                _next = new NativeEndPoint(new IPEndPoint(IPAddress.Loopback, nextPort));
                _header = header;
            }

            public TrafficCounter FirstCounter { get; } = new TrafficCounter();

            public TrafficCounter SecondCounter { get; } = new TrafficCounter();

            public TrafficCounter ClientTotal { get; } = new TrafficCounter();

            public TrafficCounter ServerTotal { get; } = new TrafficCounter();

            public int HeldAtAnswer { get; private set; } = -1;

            public override void OnConnected(IRelayConnection connection)
            {
                if (connection.State == null)
                {
                    connection.ClientCounter = FirstCounter;
                    connection.ClientTotalCounter = ClientTotal;
                    connection.ServerTotalCounter = ServerTotal;
                }
                base.OnConnected(connection);
            }

            public override void OnFirstServerByte(IRelayConnection connection)
            {
                HeldAtAnswer = connection.HeldByteCount;
                base.OnFirstServerByte(connection);
            }

            public override void OnServerFailedBeforeResponse(IRelayConnection connection, bool movable)
            {
                base.OnServerFailedBeforeResponse(connection, movable);
                if (connection.State != null)
                {
                    return;
                }
                try
                {
                    connection.AbandonServer();
                }
                catch (InvalidOperationException)
                {
                    Note("abandon-refused");
                    return;
                }
                connection.State = "moved";
                connection.ClientCounter = SecondCounter;
                connection.SendFirst(connection.ReplayBytes(_header));
                connection.ConnectTo(_next);
            }
        }
    }
}
