using System;
using System.Net.Sockets;
using System.Threading.Tasks;
using TcpLb.Engine.Proxying.Loop;
using Xunit.Abstractions;

namespace TcpLb.Engine.Tests.EventLoop
{
    /// <summary>
    /// What the loop thread allocates, read on the loop thread itself (GC.GetAllocatedBytesForCurrentThread),
    /// so other threads of the test process do not blur it: nothing per read or write, little per connection.
    /// </summary>
    public class LoopAllocationTests
    {
        private readonly ITestOutputHelper _output;

        public LoopAllocationTests(ITestOutputHelper output) => _output = output;

        [Fact]
        public async Task Round_trips_on_an_open_connection_allocate_nothing_on_the_loop()
        {
            using var backend = new RawBackend();
            using var relay = new RelayUnderTest(backend.Port, loops: 1);
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                await RoundTripsAsync(client, server, 500); // warm up: JIT, pools
                long start = await AllocatedOnLoopAsync(relay);
                await RoundTripsAsync(client, server, 2000);
                long middle = await AllocatedOnLoopAsync(relay);
                await RoundTripsAsync(client, server, 8000);
                long end = await AllocatedOnLoopAsync(relay);
                _output.WriteLine($"loop thread: {middle - start} bytes over 2000 round trips, {end - middle} over 8000");
                // Reading the counter costs a little each time; a cost per read or write would be thousands of times more.
                Assert.InRange(end - middle, 0, 2048);
                Assert.InRange(middle - start, 0, 2048);
            }
        }

        [Fact]
        public async Task A_new_connection_allocates_less_than_a_kilobyte_on_the_loop()
        {
            using var backend = new RawBackend();
            // An observer that costs nothing itself, so what is measured is the relay's own cost.
            var closed = new ClosedCounter();
            using var relay = new RelayUnderTest(backend.Port, loops: 1, observer: closed);
            double perConnection = await PerConnectionAsync(relay, backend, closed);
            _output.WriteLine($"loop thread: {perConnection:0} bytes per connection (accept, connect, relay, close)");
            Assert.InRange(perConnection, 0, 1024);
        }

        [Fact]
        public async Task Holding_client_bytes_for_replay_costs_a_connection_little_and_its_round_trips_nothing()
        {
            using var backend = new RawBackend();
            var closed = new ClosedCounter();
            using var relay = new RelayUnderTest(backend.Port, loops: 1, observer: closed, replayCapacity: 64 * 1024);
            double perConnection = await PerConnectionAsync(relay, backend, closed);
            _output.WriteLine($"loop thread, holding client bytes: {perConnection:0} bytes per connection (accept, connect, hold, answer, close)");
            Assert.InRange(perConnection, 0, 1024);

            // A held connection, once answered, relays without allocating.
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                await RoundTripsAsync(client, server, 500);
                long before = await AllocatedOnLoopAsync(relay);
                await RoundTripsAsync(client, server, 4000);
                long after = await AllocatedOnLoopAsync(relay);
                _output.WriteLine($"loop thread, holding client bytes: {after - before} bytes over 4000 round trips");
                Assert.InRange(after - before, 0, 2048);
            }
        }

        private static Task<long> AllocatedOnLoopAsync(RelayUnderTest relay)
            => OnLoop<long>.RunAsync(relay.Relay.Loops[0], _ => GC.GetAllocatedBytesForCurrentThread());

        /// <summary>Bytes the loop thread allocates per connection, over 200 after 50 to warm up (JIT, pooled arrays).</summary>
        private static async Task<double> PerConnectionAsync(RelayUnderTest relay, RawBackend backend, ClosedCounter closed)
        {
            const int Connections = 200;
            await ConnectionsAsync(relay, backend, 50);
            await closed.WaitForAsync(50);
            long start = await AllocatedOnLoopAsync(relay);
            await ConnectionsAsync(relay, backend, Connections);
            await closed.WaitForAsync(50 + Connections);
            long end = await AllocatedOnLoopAsync(relay);
            return (end - start) / (double)Connections;
        }

        private static async Task RoundTripsAsync(Socket client, Socket server, int count)
        {
            var request = new byte[64];
            var reply = new byte[200];
            var scratch = new byte[1024];
            for (int i = 0; i < count; i++)
            {
                await client.SendAsync(request, SocketFlags.None);
                await ReadAsync(server, scratch, request.Length);
                await server.SendAsync(reply, SocketFlags.None);
                await ReadAsync(client, scratch, reply.Length);
            }
        }

        private static async Task ReadAsync(Socket socket, byte[] scratch, int count)
        {
            while (count > 0)
            {
                int read = await socket.ReceiveAsync(scratch.AsMemory(0, count), SocketFlags.None);
                Assert.True(read > 0, "the connection ended early");
                count -= read;
            }
        }

        private static async Task ConnectionsAsync(RelayUnderTest relay, RawBackend backend, int count)
        {
            var one = new byte[1];
            for (int i = 0; i < count; i++)
            {
                var (client, server) = await relay.PairAsync(backend);
                using (client)
                using (server)
                {
                    await client.SendAsync(one, SocketFlags.None);
                    await RawBackend.ReadExactlyAsync(server, 1);
                    await server.SendAsync(one, SocketFlags.None);
                    await RawBackend.ReadExactlyAsync(client, 1);
                    client.Shutdown(SocketShutdown.Send);
                    server.Shutdown(SocketShutdown.Send);
                    await SocketIo.ReadToEndAsync(client);
                    await SocketIo.ReadToEndAsync(server);
                }
            }
        }
    
        /// <summary>Counts closed connections without allocating; one waiter at a time.</summary>
        private sealed class ClosedCounter : RelayObserverBase
        {
            private readonly object _lock = new object();
            private int _closed;
            private int _target = int.MaxValue;
            private TaskCompletionSource? _reached;

            public Task WaitForAsync(int count)
            {
                lock (_lock)
                {
                    if (_closed >= count)
                    {
                        return Task.CompletedTask;
                    }
                    _target = count;
                    _reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    return _reached.Task.WaitAsync(TestNet.Patience);
                }
            }

            public override void OnClosed(IRelayConnection connection)
            {
                lock (_lock)
                {
                    if (++_closed >= _target)
                    {
                        _target = int.MaxValue;
                        _reached?.TrySetResult();
                    }
                }
            }






        }
    }
}
