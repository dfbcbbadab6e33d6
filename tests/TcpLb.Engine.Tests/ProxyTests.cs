using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Backends;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Probing;

namespace TcpLb.Engine.Tests
{
    public class ProxyTests
    {
        /// <summary>The transport these tests run on; a subclass in OnLoopTransportTests.cs runs them on the event loop.</summary>
        protected virtual BalancerTransport Transport => BalancerTransport.Stream;

        [Fact]
        public async Task Client_that_half_closes_still_receives_the_whole_reply()
        {
            await using var net = new TestNet(Transport);
            TcpTestBackend backend = net.Backend();
            TcpBalancer balancer = net.Balancer(backend.Port);

            using Socket client = await TestNet.ConnectAsync(balancer.Port);
            client.Shutdown(SocketShutdown.Send); // FIN without a byte sent
            byte[] reply = await TestNet.ReadToEndAsync(client);

            Assert.Equal($"Response from server running on port {backend.Port}\n", Encoding.ASCII.GetString(reply));
        }

        [Fact]
        public async Task Half_closed_echo_returns_every_byte_then_closes()
        {
            await using var net = new TestNet(Transport);
            TcpTestBackend echo = net.Backend(TcpBackendMode.Echo);
            TcpBalancer balancer = net.Balancer(echo.Port);
            byte[] payload = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);

            using Socket client = await TestNet.ConnectAsync(balancer.Port);
            Task<byte[]> reading = TestNet.ReadToEndAsync(client);
            await client.SendAsync(payload, SocketFlags.None);
            client.Shutdown(SocketShutdown.Send);
            byte[] back = await reading;

            Assert.Equal(payload.Length, back.Length);
            Assert.True(payload.AsSpan().SequenceEqual(back));
        }

        [Fact]
        public async Task Sixty_four_MiB_round_trip_through_the_balancer_is_byte_exact()
        {
            await using var net = new TestNet(Transport);
            TcpTestBackend echo = net.Backend(TcpBackendMode.Echo);
            TcpBalancer balancer = net.Balancer(echo.Port);
            const int total = 64 * 1024 * 1024;
            var random = new Random(1234);

            using Socket client = await TestNet.ConnectAsync(balancer.Port);
            using var sentHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var receivedHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long received = 0;

            Task reading = Task.Run(async () =>
            {
                var buffer = new byte[64 * 1024];
                int read;
                while ((read = await client.ReceiveAsync(buffer.AsMemory(), SocketFlags.None)) > 0)
                {
                    receivedHash.AppendData(buffer, 0, read);
                    received += read;
                }
            });
            var chunk = new byte[100_003]; // odd size: writes never line up with the pump's buffers
            for (long sent = 0; sent < total;)
            {
                int size = (int)Math.Min(chunk.Length, total - sent);
                random.NextBytes(chunk);
                sentHash.AppendData(chunk, 0, size);
                await client.SendAsync(chunk.AsMemory(0, size), SocketFlags.None);
                sent += size;
            }
            client.Shutdown(SocketShutdown.Send);
            await reading.WaitAsync(TestNet.Patience);

            Assert.Equal(total, received);
            Assert.Equal(sentHash.GetHashAndReset(), receivedHash.GetHashAndReset());
            Assert.Equal(total, balancer.Statistics.BytesFromClients.Bytes);
            Assert.Equal(total, balancer.Statistics.BytesFromBackends.Bytes);
        }

        [Fact]
        public async Task Five_hundred_concurrent_connections_are_all_served()
        {
            await using var net = new TestNet(Transport);
            TcpTestBackend b1 = net.Backend(), b2 = net.Backend();
            TcpBalancer balancer = net.Balancer(b1.Port, b2.Port);

            var results = await TestNet.ProbeAsync(balancer.Port, 500, concurrency: 500);

            Assert.Equal(500, results.Count);
            Assert.All(results, r => Assert.Equal(TcpProbeStatus.Success, r.Status));
            Assert.Equal(250, results.Count(r => r.Backend == b1.Port));
            Assert.Equal(250, results.Count(r => r.Backend == b2.Port));
            Assert.Equal(500, balancer.Statistics.Accepted);
        }

        [Fact]
        public async Task Reset_by_the_client_resets_the_backend_side()
        {
            await using var net = new TestNet(Transport);
            using var backend = new RawBackend();
            TcpBalancer balancer = net.Balancer(backend.Port);

            Socket client = await TestNet.ConnectAsync(balancer.Port);
            await client.SendAsync(Encoding.ASCII.GetBytes("ping"), SocketFlags.None);
            using Socket serverSide = await backend.AcceptAsync();
            Assert.Equal("ping", Encoding.ASCII.GetString(await RawBackend.ReadExactlyAsync(serverSide, 4)));

            Abort(client);

            var error = await Assert.ThrowsAnyAsync<SocketException>(async () => await TestNet.ReadToEndAsync(serverSide));
            Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);
        }

        [Fact]
        public async Task Reset_by_the_backend_resets_the_client()
        {
            await using var net = new TestNet(Transport);
            using var backend = new RawBackend();
            TcpBalancer balancer = net.Balancer(backend.Port);

            using Socket client = await TestNet.ConnectAsync(balancer.Port);
            await client.SendAsync(Encoding.ASCII.GetBytes("ping"), SocketFlags.None);
            Socket serverSide = await backend.AcceptAsync();
            await RawBackend.ReadExactlyAsync(serverSide, 4);

            Abort(serverSide);

            var error = await Assert.ThrowsAnyAsync<SocketException>(async () => await TestNet.ReadToEndAsync(client));
            Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);
        }

        [Fact]
        public async Task FIN_from_the_backend_reaches_the_client_while_the_client_can_still_send()
        {
            await using var net = new TestNet(Transport);
            using var backend = new RawBackend();
            TcpBalancer balancer = net.Balancer(backend.Port);

            using Socket client = await TestNet.ConnectAsync(balancer.Port);
            using Socket serverSide = await backend.AcceptAsync();
            await serverSide.SendAsync(Encoding.ASCII.GetBytes("bye"), SocketFlags.None);
            serverSide.Shutdown(SocketShutdown.Send);

            Assert.Equal("bye", Encoding.ASCII.GetString(await TestNet.ReadToEndAsync(client)));

            // The other direction is still open: the client's late bytes reach the backend.
            await client.SendAsync(Encoding.ASCII.GetBytes("late"), SocketFlags.None);
            client.Shutdown(SocketShutdown.Send);
            Assert.Equal("late", Encoding.ASCII.GetString(await TestNet.ReadToEndAsync(serverSide)));
        }

        [Fact]
        public async Task Without_retries_a_down_backends_connections_fail_and_the_rest_are_served()
        {
            await using var net = new TestNet(Transport);
            TcpTestBackend b1 = net.Backend(), b3 = net.Backend();
            TcpBalancer balancer = net.Balancer(o => o.Retries = 0, b1.Port, TestNet.RefusingPort(), b3.Port);

            var results = await TestNet.ProbeAsync(balancer.Port, 6);

            Assert.Equal(new[] { TcpProbeStatus.Success, TcpProbeStatus.Reset, TcpProbeStatus.Success, TcpProbeStatus.Success, TcpProbeStatus.Reset, TcpProbeStatus.Success },
                results.Select(r => r.Status));
            Assert.Equal(new int?[] { b1.Port, null, b3.Port, b1.Port, null, b3.Port }, results.Select(r => r.Backend));
            Assert.Equal(2, balancer.Statistics.Failed);
            Assert.Equal(2, balancer.Backends[1].Failures);
            Assert.Equal(6, balancer.Statistics.Accepted);
        }

        [Fact]
        public async Task Stop_closes_open_connections_and_frees_the_port()
        {
            var net = new TestNet(Transport);
            TcpTestBackend echo = net.Backend(TcpBackendMode.Echo);
            TcpBalancer balancer = net.Balancer(echo.Port);
            using Socket client = await TestNet.ConnectAsync(balancer.Port);
            await client.SendAsync(new byte[] { 1 }, SocketFlags.None);
            Assert.Equal(new byte[] { 1 }, await RawBackend.ReadExactlyAsync(client, 1));

            await balancer.StopAsync().WaitAsync(TimeSpan.FromSeconds(5));

            await Assert.ThrowsAnyAsync<SocketException>(async () => await TestNet.ReadToEndAsync(client));
            using var rebind = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            rebind.Bind(new IPEndPoint(IPAddress.Loopback, balancer.Port));
            await net.DisposeAsync();
        }

        [Fact]
        public void Binding_a_port_in_use_fails_with_a_message_naming_the_port()
        {
            using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            holder.Listen(1);
            int port = ((IPEndPoint)holder.LocalEndPoint!).Port;
            var backend = new TcpTestBackend(new TcpTestBackendOptions { Port = port });

            var e = Assert.Throws<Net.ListenerBindException>(() => backend.Start());

            Assert.True(e.IsAddressInUse);
            Assert.Contains($"Port {port}", e.Message);
            Assert.Contains("already in use", e.Message);
        }

        private static void Abort(Socket socket)
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Dispose();
        }
    }
}
