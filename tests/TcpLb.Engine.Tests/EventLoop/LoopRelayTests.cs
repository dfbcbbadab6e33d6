using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Net.EventLoop;
using TcpLb.Engine.Proxying.Loop;

namespace TcpLb.Engine.Tests.EventLoop
{
    /// <summary>The bare relay on the engine's own loops: bytes, half-close, resets, back-pressure, failures, stop.</summary>
    public class LoopRelayTests
    {
        [Theory]
        [InlineData("reuseport")]
        [InlineData("handoff")]
        public async Task Bulk_random_data_arrives_byte_exact_both_ways_at_once(string layout)
        {
            using var backend = new RawBackend();
            using var relay = new RelayUnderTest(backend.Port, LoopLayouts.Parse(layout));
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                byte[] up = SocketIo.RandomBytes(6 * 1024 * 1024 + 17, 1);
                byte[] down = SocketIo.RandomBytes(5 * 1024 * 1024 + 3, 2);
                Task<byte[]> serverReads = RawBackend.ReadExactlyAsync(server, up.Length);
                Task<byte[]> clientReads = RawBackend.ReadExactlyAsync(client, down.Length);
                await Task.WhenAll(SocketIo.SendAllAsync(client, up), SocketIo.SendAllAsync(server, down));
                byte[] atServer = await serverReads;
                byte[] atClient = await clientReads;
                Assert.True(up.AsSpan().SequenceEqual(atServer), "client→server bytes differ");
                Assert.True(down.AsSpan().SequenceEqual(atClient), "server→client bytes differ");
            }
            await relay.Observer.WaitAsync(() => relay.Observer.Closed == 1);
            Assert.Equal(6 * 1024 * 1024 + 17, relay.Observer.BytesFromClient);
            Assert.Equal(5 * 1024 * 1024 + 3, relay.Observer.BytesFromServer);
            Assert.Empty(relay.Trace.Faults);
        }

        [Fact]
        public async Task Many_connections_round_trip_over_several_loops()
        {
            using var backend = new RawBackend();
            using var relay = new RelayUnderTest(backend.Port, loops: 2);
            for (int i = 0; i < 40; i++)
            {
                var (client, server) = await relay.PairAsync(backend);
                using (client)
                using (server)
                {
                    byte[] request = SocketIo.RandomBytes(100 + i, i);
                    await client.SendAsync(request, SocketFlags.None);
                    Assert.Equal(request, await RawBackend.ReadExactlyAsync(server, request.Length));
                    await server.SendAsync(request, SocketFlags.None);
                    Assert.Equal(request, await RawBackend.ReadExactlyAsync(client, request.Length));
                    await relay.Observer.WaitAsync(() => client.LocalEndPoint!.Equals(relay.Observer.LastClient));
                }
            }
            await relay.Observer.WaitAsync(() => relay.Observer.Closed == 40);
        }

        [Fact]
        public async Task A_client_FIN_becomes_a_server_FIN_and_the_server_may_still_answer()
        {
            using var backend = new RawBackend();
            using var relay = new RelayUnderTest(backend.Port);
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                byte[] request = SocketIo.RandomBytes(300_000, 3);
                await SocketIo.SendAllAsync(client, request);
                client.Shutdown(SocketShutdown.Send);
                Assert.Equal(request, await SocketIo.ReadToEndAsync(server)); // all bytes, then the FIN
                await relay.Observer.WaitForAsync("fin:Client");

                byte[] answer = SocketIo.RandomBytes(200_000, 4);
                await SocketIo.SendAllAsync(server, answer);
                server.Shutdown(SocketShutdown.Send);
                Assert.Equal(answer, await SocketIo.ReadToEndAsync(client));
            }
            await relay.Observer.WaitForAsync("closed");
            Assert.False(relay.Observer.Saw("reset:Client") || relay.Observer.Saw("reset:Server"));
        }

        [Fact]
        public async Task A_server_FIN_becomes_a_client_FIN_and_the_client_may_still_send()
        {
            using var backend = new RawBackend();
            using var relay = new RelayUnderTest(backend.Port);
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                byte[] answer = SocketIo.RandomBytes(250_000, 5);
                await SocketIo.SendAllAsync(server, answer);
                server.Shutdown(SocketShutdown.Send);
                Assert.Equal(answer, await SocketIo.ReadToEndAsync(client));
                await relay.Observer.WaitForAsync("fin:Server");

                byte[] more = SocketIo.RandomBytes(150_000, 6);
                await SocketIo.SendAllAsync(client, more);
                client.Shutdown(SocketShutdown.Send);
                Assert.Equal(more, await SocketIo.ReadToEndAsync(server));
            }
            await relay.Observer.WaitForAsync("closed");
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public async Task A_reset_on_one_side_resets_the_other(bool clientResets)
        {
            using var backend = new RawBackend();
            using var relay = new RelayUnderTest(backend.Port);
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                // Bytes first, so both directions have carried data.
                await client.SendAsync(new byte[] { 1, 2, 3 }, SocketFlags.None);
                await RawBackend.ReadExactlyAsync(server, 3);
                Socket resetting = clientResets ? client : server;
                Socket other = clientResets ? server : client;
                resetting.LingerState = new LingerOption(true, 0);
                resetting.Close();
                Assert.Equal(SocketError.ConnectionReset, await SocketIo.ReadUntilEndAsync(other));
            }
            await relay.Observer.WaitForAsync("closed");
            Assert.True(relay.Observer.Saw(clientResets ? "reset:Client" : "reset:Server"), string.Join(", ", relay.Observer.Events));
        }

        [Fact]
        public async Task A_client_that_does_not_read_holds_the_server_back_with_bounded_memory()
        {
            using var backend = new RawBackend();
            using var relay = new RelayUnderTest(backend.Port, loops: 1);
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                client.ReceiveBufferSize = 64 * 1024;
                server.SendBufferSize = 64 * 1024;
                // The server writes until its own send buffer stays full: the relay stopped reading it.
                var chunk = new byte[64 * 1024];
                long written = 0;
                while (true)
                {
                    Task<int> send = server.SendAsync(chunk, SocketFlags.None);
                    Task stuck = Task.Delay(TimeSpan.FromSeconds(2));
                    if (await Task.WhenAny(send, stuck) == stuck)
                    {
                        // Stuck: give it a longer, second look before calling it back-pressure.
                        if (await Task.WhenAny(send, Task.Delay(TimeSpan.FromSeconds(3))) != send)
                        {
                            break;
                        }
                    }
                    written += await send;
                    Assert.True(written < 256L * 1024 * 1024, "the relay kept reading a server whose client does not read");
                }
                // One buffer per direction at most: the relay holds no more of the stream than its buffers.
                int rented = await OnLoop<int>.RunAsync(relay.Relay.Loops[0], loop => loop.Buffers.Rented);
                Assert.InRange(rented, 0, 2);

                // The client reads again: every byte arrives, in order.
                Task<int> drained = Task.Run(async () =>
                {
                    var buffer = new byte[256 * 1024];
                    long total = 0;
                    while (total < written)
                    {
                        total += await client.ReceiveAsync(buffer, SocketFlags.None);
                    }
                    return 0;
                });
                await drained.WaitAsync(TestNet.Patience);
            }
        }

        [Fact]
        public async Task A_refused_connect_is_reported_and_the_client_is_reset()
        {
            using var relay = new RelayUnderTest(TestNet.RefusingPort());
            SocketError ended = await relay.ConnectAndReadUntilEndAsync();
            Assert.Equal(SocketError.ConnectionReset, ended);
            await relay.Observer.WaitForAsync("closed");
            Assert.True(relay.Observer.Saw("connect-failed:" + LinuxNative.ECONNREFUSED), string.Join(", ", relay.Observer.Events));
            Assert.False(relay.Observer.Saw("connected"));
        }

        [Fact]
        public async Task The_FIN_timeout_resets_a_pair_whose_other_side_never_finishes()
        {
            using var backend = new RawBackend();
            using var relay = new RelayUnderTest(backend.Port, timeouts: new RelayTimeouts(5000, 0, 200));
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                await SocketIo.HalfCloseAsync(client, server);
                // The server never sends FIN: the relay gives up on the pair.
                Assert.Equal(SocketError.ConnectionReset, await SocketIo.ReadUntilEndAsync(client));
            }
            await relay.Observer.WaitForAsync("timeout:Fin");
        }

        [Fact]
        public async Task The_idle_timeout_resets_a_silent_pair()
        {
            using var backend = new RawBackend();
            using var relay = new RelayUnderTest(backend.Port, timeouts: new RelayTimeouts(5000, 200, 0));
            // On a busy machine the 200 ms may pass before the client's own connect returns: a reset then counts too.
            Assert.Equal(SocketError.ConnectionReset, await relay.ConnectAndReadUntilEndAsync());
            await relay.Observer.WaitForAsync("timeout:Idle");
        }

        [Fact]
        public async Task The_response_timeout_resets_a_server_that_leaves_the_client_unanswered()
        {
            using var backend = new RawBackend();
            using var relay = new RelayUnderTest(backend.Port, timeouts: new RelayTimeouts(5000, 0, 0, 200));
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                await client.SendAsync(new byte[] { 1, 2, 3 }, SocketFlags.None);
                await RawBackend.ReadExactlyAsync(server, 3); // the server has the request, and says nothing
                Assert.Equal(SocketError.ConnectionReset, await SocketIo.ReadUntilEndAsync(client));
                Assert.Equal(SocketError.ConnectionReset, await SocketIo.ReadUntilEndAsync(server));
            }
            await relay.Observer.WaitForAsync("closed");
            Assert.True(relay.Observer.Saw("timeout:Response"), string.Join(", ", relay.Observer.Events));
            Assert.False(relay.Observer.Saw("first-server-byte"));
        }

        [Fact]
        public async Task The_observer_counts_a_timed_out_pair_before_the_client_hears_its_reset()
        {
            using var backend = new RawBackend();
            var observer = new ClientWatchingObserver();
            using var relay = new RelayUnderTest(backend.Port, timeouts: new RelayTimeouts(5000, 0, 0, 200), observer: observer);
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                observer.Client = client;
                await client.SendAsync(new byte[] { 1, 2, 3 }, SocketFlags.None);
                await RawBackend.ReadExactlyAsync(server, 3); // unanswered: the response timeout resets the pair
                Assert.Equal(SocketError.ConnectionReset, await SocketIo.ReadUntilEndAsync(client));
            }
            await observer.WaitForAsync("closed");
            Assert.Equal(new[] { "connected", "failed-before-response:Timeout", "timeout:Response", "client-heard-nothing", "ending", "closed" }, observer.Events);
        }

        /// <summary>At <see cref="IRelayObserver.OnEnding"/>, notes whether the client's socket had anything to read (its reset would be).</summary>
        private sealed class ClientWatchingObserver : RecordingObserver
        {
            public Socket? Client;

            public override void OnEnding(IRelayConnection connection)
            {
                Note(Client!.Poll(0, SelectMode.SelectRead) ? "client-heard-its-end" : "client-heard-nothing");
                base.OnEnding(connection);
            }
        }

        [Fact]
        public async Task The_response_timeout_ends_with_the_first_answer()
        {
            using var backend = new RawBackend();
            // Idle at 600 ms: the pair ends by the idle timeout, which shows the response timeout (200 ms) stayed quiet after the answer.
            using var relay = new RelayUnderTest(backend.Port, timeouts: new RelayTimeouts(5000, 600, 0, 200));
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                await client.SendAsync(new byte[] { 1 }, SocketFlags.None);
                await RawBackend.ReadExactlyAsync(server, 1);
                await server.SendAsync(new byte[] { 2 }, SocketFlags.None);
                await RawBackend.ReadExactlyAsync(client, 1);
                Assert.Equal(SocketError.ConnectionReset, await SocketIo.ReadUntilEndAsync(client));
            }
            await relay.Observer.WaitForAsync("closed");
            Assert.True(relay.Observer.Saw("timeout:Idle"), string.Join(", ", relay.Observer.Events));
            Assert.False(relay.Observer.Saw("timeout:Response"));
        }

        [Fact]
        public async Task Stopping_resets_open_connections_and_frees_the_port()
        {
            using var backend = new RawBackend();
            var relay = new RelayUnderTest(backend.Port);
            int port = relay.Port;
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                relay.Dispose();
                Assert.Equal(SocketError.ConnectionReset, await SocketIo.ReadUntilEndAsync(client));
                Assert.True(TestNet.PortIsFree(port), $"port {port} is still bound after the relay stopped");
                Assert.All(relay.Relay.Loops, loop => Assert.False(loop.IsRunning));
            }
        }

        [Fact]
        public async Task An_abort_requested_from_another_thread_resets_both_sides()
        {
            using var backend = new RawBackend();
            var keeper = new KeepConnection();
            using var relay = new RelayUnderTest(backend.Port, observer: keeper);
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                LoopRelayConnection connection = await keeper.Connected.Task.WaitAsync(TestNet.Patience);
                // Both ends have Nagle off: the client's inherited from the listener, the server's set at connect.
                var (clientNoDelay, serverNoDelay) = await OnLoop<(int, int)>.RunAsync(connection.Loop, _ => (
                    NativeSocket.GetInt(connection.Client.Fd, LinuxNative.IPPROTO_TCP, LinuxNative.TCP_NODELAY),
                    NativeSocket.GetInt(connection.Server!.Fd, LinuxNative.IPPROTO_TCP, LinuxNative.TCP_NODELAY)));
                Assert.Equal(1, clientNoDelay);
                Assert.Equal(1, serverNoDelay);
                connection.RequestAbort(); // from the test's thread, not the loop's
                Assert.Equal(SocketError.ConnectionReset, await SocketIo.ReadUntilEndAsync(client));
                Assert.Equal(SocketError.ConnectionReset, await SocketIo.ReadUntilEndAsync(server));
                await keeper.Closed.Task.WaitAsync(TestNet.Patience);
                Assert.True(connection.IsClosed);
            }
        }

        private sealed class KeepConnection : RelayObserverBase
        {
            public TaskCompletionSource<LoopRelayConnection> Connected { get; } = new TaskCompletionSource<LoopRelayConnection>(TaskCreationOptions.RunContinuationsAsynchronously);

            public TaskCompletionSource Closed { get; } = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

            public override void OnConnected(IRelayConnection connection) => Connected.TrySetResult((LoopRelayConnection)connection);






            public override void OnClosed(IRelayConnection connection) => Closed.TrySetResult();
        }

        [Fact]
        public async Task IPv6_loopback_works_end_to_end()
        {
            using var listener = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
            listener.Listen(4);
            using var relay = new RelayUnderTest(((IPEndPoint)listener.LocalEndPoint!).Port, address: IPAddress.IPv6Loopback);
            Assert.Equal(IPAddress.IPv6Loopback, relay.Relay.LocalEndPoint.Address);
            using Socket client = await relay.ConnectAsync();
            using Socket server = await listener.AcceptAsync().WaitAsync(TestNet.Patience);
            byte[] hello = SocketIo.RandomBytes(1000, 7);
            await client.SendAsync(hello, SocketFlags.None);
            Assert.Equal(hello, await RawBackend.ReadExactlyAsync(server, hello.Length));
            await relay.Observer.WaitForAsync("connected");
            Assert.Equal(client.LocalEndPoint, relay.Observer.LastClient); // from accept4's sockaddr, IPv6
        }

        [Fact]
        public void A_port_in_use_is_refused_with_the_port_named()
        {
            using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            holder.Listen(1);
            int port = ((IPEndPoint)holder.LocalEndPoint!).Port;
            var options = new LoopRelayOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, port), LoopCount = 1 };
            options.Backends.Add(new IPEndPoint(IPAddress.Loopback, 1));
            var e = Assert.Throws<TcpLb.Engine.Net.ListenerBindException>(() => new LoopRelay(options));
            Assert.True(e.IsAddressInUse);
            Assert.Contains(port.ToString(), e.Message);
        }
    
        [Fact]
        public void A_port_another_relay_listens_on_is_refused_too_although_both_ask_for_SO_REUSEPORT()
        {
            // Without the check the second relay's listeners would join the first one's group and take half its clients.
            var first = new LoopRelayOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0), LoopCount = 2 };
            first.Backends.Add(new IPEndPoint(IPAddress.Loopback, 1));
            using var holder = new LoopRelay(first);
            int port = holder.LocalEndPoint.Port;
            var second = new LoopRelayOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, port), LoopCount = 2 };
            second.Backends.Add(new IPEndPoint(IPAddress.Loopback, 1));
            var e = Assert.Throws<TcpLb.Engine.Net.ListenerBindException>(() => new LoopRelay(second));
            Assert.True(e.IsAddressInUse);
            Assert.Contains(port.ToString(), e.Message);
        }

        [Fact]
        public async Task An_observer_that_throws_costs_its_own_connection_only()
        {
            using var backend = new RawBackend();
            var observer = new ThrowOnFirstConnect();
            using var relay = new RelayUnderTest(backend.Port, loops: 1, observer: observer);
            SocketError ended = await relay.ConnectAndReadUntilEndAsync();
            Assert.Equal(SocketError.ConnectionReset, ended);
            Assert.Single(relay.Trace.Faults);
            using (Socket firstServer = await backend.AcceptAsync())
            {
                // The backend's end of the failed connection was reset too.
                Assert.Equal(SocketError.ConnectionReset, await SocketIo.ReadUntilEndAsync(firstServer));
            }

            // The same loop serves the next connection.
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                await client.SendAsync(new byte[] { 9 }, SocketFlags.None);
                Assert.Equal(new byte[] { 9 }, await RawBackend.ReadExactlyAsync(server, 1));
            }
            Assert.True(relay.Relay.Loops[0].IsRunning);
        }

        [Theory]
        [InlineData("ending")]
        [InlineData("closed")]
        public async Task An_observer_that_throws_as_the_connection_ends_leaves_no_socket_open(string throwsIn)
        {
            using var backend = new RawBackend();
            var observer = new ThrowOnFirstEnd(throwsIn);
            using var relay = new RelayUnderTest(backend.Port, loops: 1, observer: observer);
            EpollLoop loop = relay.Relay.Loops[0];
            int before = await OnLoop<int>.RunAsync(loop, l => l.OpenSockets);
            var (client, server) = await relay.PairAsync(backend);
            using (server)
            {
                await observer.WaitForAsync("connected");
                // The client resets: the relay resets the server's side, and the observer throws while it ends the pair.
                SocketIo.ResetHard(client);
                Assert.Equal(SocketError.ConnectionReset, await SocketIo.ReadUntilEndAsync(server));
            }
            Assert.Equal(before, await OnLoop<int>.RunAsync(loop, l => l.OpenSockets));
            // OnClosed came all the same (the balancer gives its slots back there), and the throw was traced once.
            await observer.WaitForAsync("closed");
            Assert.Single(relay.Trace.Faults);

            // The same loop serves the next connection, to its end.
            var (next, nextServer) = await relay.PairAsync(backend);
            using (next)
            using (nextServer)
            {
                await next.SendAsync(new byte[] { 9 }, SocketFlags.None);
                Assert.Equal(new byte[] { 9 }, await RawBackend.ReadExactlyAsync(nextServer, 1));
                await SocketIo.HalfCloseAsync(next, nextServer);
                await SocketIo.HalfCloseAsync(nextServer, next);
            }
            await observer.WaitAsync(() => observer.Closed == 2);
            Assert.Equal(before, await OnLoop<int>.RunAsync(loop, l => l.OpenSockets));
            Assert.True(loop.IsRunning);
        }

        [Fact]
        public async Task After_a_failed_connect_the_observer_tries_another_server_and_its_first_bytes_precede_the_clients()
        {
            using var backend = new RawBackend();
            byte[] header = System.Text.Encoding.ASCII.GetBytes("PROXY TCP4 192.0.2.1 192.0.2.2 1234 80\r\n");
            var observer = new SendFirstOnAccept(header, new TcpLb.Engine.Net.EventLoop.NativeEndPoint(new IPEndPoint(IPAddress.Loopback, backend.Port)));
            // The relay's own backend refuses: the observer moves the client to the real one.
            using var relay = new RelayUnderTest(TestNet.RefusingPort(), loops: 1, observer: observer);
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                // The client speaks first, at once: its bytes still come after the header.
                byte[] request = SocketIo.RandomBytes(5000, 8);
                await client.SendAsync(request, SocketFlags.None);
                byte[] got = await RawBackend.ReadExactlyAsync(server, header.Length + request.Length);
                Assert.Equal(header, got.AsSpan(0, header.Length).ToArray());
                Assert.Equal(request, got.AsSpan(header.Length).ToArray());
            }
        }

        /// <summary>Stands in for the pipeline: a failed first connect is retried once with a header to go first.</summary>
        private sealed class SendFirstOnAccept : RelayObserverBase
        {
            private readonly byte[] _header;
            private readonly TcpLb.Engine.Net.EventLoop.NativeEndPoint _backend;

            public SendFirstOnAccept(byte[] header, TcpLb.Engine.Net.EventLoop.NativeEndPoint backend)
            {
                _header = header;
                _backend = backend;
            }


            public override void OnConnectFailed(IRelayConnection connection, int errno)
            {
                if (connection.State == null)
                {
                    connection.State = "moved";
                    connection.SendFirst(_header);
                    connection.ConnectTo(_backend);
                }
            }





        }

        /// <summary>Records everything, and throws in OnEnding or OnClosed of the first connection that ends.</summary>
        private sealed class ThrowOnFirstEnd : RecordingObserver
        {
            private readonly string _hook;
            private int _ends;

            public ThrowOnFirstEnd(string hook) => _hook = hook;

            public override void OnEnding(IRelayConnection connection)
            {
                base.OnEnding(connection);
                ThrowIf("ending");
            }

            public override void OnClosed(IRelayConnection connection)
            {
                base.OnClosed(connection);
                ThrowIf("closed");
            }

            private void ThrowIf(string hook)
            {
                if (hook == _hook && Interlocked.Increment(ref _ends) == 1)
                {
                    throw new InvalidOperationException("a bug in the observer's " + hook);
                }
            }
        }

        private sealed class ThrowOnFirstConnect : RelayObserverBase
        {
            private int _connects;

            public override void OnConnected(IRelayConnection connection)
            {
                if (Interlocked.Increment(ref _connects) == 1)
                {
                    throw new InvalidOperationException("a bug in the pipeline");
                }
            }






        }
    }
}
