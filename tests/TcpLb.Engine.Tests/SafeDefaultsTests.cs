using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Backends;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Probing;
using TcpLb.Engine.Tls;

namespace TcpLb.Engine.Tests
{
    /// <summary>
    /// Defaults that never break a legitimate connection nor deliver a byte twice: retries only on
    /// failed connects and early resets, a quiet or closing backend is no failure, the FIN timeout
    /// is inactivity, and the counts add up whatever ends a connection.
    /// </summary>
    public class SafeDefaultsTests
    {

        private static void AssertCountsAddUp(TcpBalancer balancer)
        {
            Assert.True(SpinWait.SpinUntil(() => balancer.ActiveConnections == 0, TestNet.Patience), "connections still open");
            BalancerStatistics s = balancer.Statistics;
            Assert.Equal(s.Accepted, s.Served + s.Failed + s.Rejected + s.Denied + s.LoopsCut);
            Assert.Equal(s.Served, balancer.Backends.Sum(b => b.TotalConnections));
        }

        [Fact]
        public async Task Upload_only_backends_get_each_message_exactly_once_with_the_defaults()
        {
            await using var net = new TestNet();
            using var sinks = new UploadSinks(3);
            TcpBalancer balancer = net.Balancer(TestNet.RareChecks, sinks.Ports);

            for (int i = 0; i < 30; i++)
            {
                using Socket client = await TestNet.ConnectAsync(balancer.Port);
                await client.SendAsync(Encoding.ASCII.GetBytes($"message {i}"), SocketFlags.None);
                client.Shutdown(SocketShutdown.Send);
                Assert.Empty(await TestNet.ReadToEndAsync(client)); // the backend's clean close reaches the client
            }

            AssertCountsAddUp(balancer);
            Assert.True(SpinWait.SpinUntil(() => sinks.Received.Count >= 30, TestNet.Patience), $"{sinks.Received.Count} messages arrived");
            List<string> received = sinks.Received.OrderBy(m => m, StringComparer.Ordinal).ToList();
            Assert.Equal(Enumerable.Range(0, 30).Select(i => $"message {i}").OrderBy(m => m, StringComparer.Ordinal), received);
            Assert.All(balancer.Backends, b => Assert.Equal(BackendState.Up, b.State));
            Assert.All(balancer.Backends, b => Assert.Equal(0, b.Failures));
            Assert.Equal(30, balancer.Statistics.Served);
            Assert.Equal(0, balancer.Statistics.Redispatched);
        }

        [Fact]
        public async Task With_EmptyResponse_asked_for_an_upload_only_backend_gets_the_message_again_at_least_once()
        {
            await using var net = new TestNet();
            using var sinks = new UploadSinks(2);
            TcpBalancer balancer = net.Balancer(o => { TestNet.RareChecks(o); o.RetryOn |= RetryConditions.EmptyResponse; }, sinks.Ports);

            using (Socket client = await TestNet.ConnectAsync(balancer.Port))
            {
                await client.SendAsync(Encoding.ASCII.GetBytes("once?"), SocketFlags.None);
                client.Shutdown(SocketShutdown.Send);
                Assert.Empty(await TestNet.ReadToEndAsync(client));
            }

            // Both backends took it: the documented risk of EmptyResponse.
            Assert.True(SpinWait.SpinUntil(() => sinks.Received.Count >= 2, TestNet.Patience), $"{sinks.Received.Count} deliveries");
            Assert.Equal(new[] { "once?", "once?" }, sinks.Received.ToArray());
            Assert.Equal(1, balancer.Statistics.Redispatched);
            AssertCountsAddUp(balancer);
        }

        [Fact]
        public async Task A_response_timeout_resets_the_client_and_is_not_replayed_unless_asked_for()
        {
            await using var net = new TestNet();
            TcpTestBackend hole = net.Backend(), good = net.Backend();
            hole.SetBehavior(fault: TcpBackendFault.Blackhole);
            TcpBalancer balancer = net.Balancer(o => { TestNet.RareChecks(o); o.HealthCheck.Fall = 100; o.ResponseTimeout = TimeSpan.FromMilliseconds(300); }, hole.Port, good.Port);

            var results = await TestNet.ProbeAsync(balancer.Port, 2);

            Assert.Equal(TcpProbeStatus.Reset, results[0].Status);
            Assert.Equal(TcpProbeStatus.Success, results[1].Status);
            Assert.Equal(0, balancer.Statistics.Redispatched);
            Assert.Equal(1, balancer.Backends[0].Failures);
            AssertCountsAddUp(balancer);
        }

        [Fact]
        public async Task With_a_response_timeout_a_client_that_has_sent_nothing_is_not_timed_out()
        {
            await using var net = new TestNet();
            using var raw = new RawBackend();
            TcpBalancer balancer = net.Balancer(o => { TestNet.RareChecks(o); o.ResponseTimeout = TimeSpan.FromMilliseconds(200); }, raw.Port);

            using Socket client = await TestNet.ConnectAsync(balancer.Port);
            client.Shutdown(SocketShutdown.Send); // a bare FIN asks for no answer either
            using Socket server = await raw.AcceptAsync();
            Assert.Equal(0, await server.ReceiveAsync(new byte[1].AsMemory(), SocketFlags.None));
            // Many times the response timeout later, the backend speaks and the client hears it.
            await Task.Delay(1000);
            await server.SendAsync(Encoding.ASCII.GetBytes("late"), SocketFlags.None);
            server.Shutdown(SocketShutdown.Send);

            Assert.Equal("late", Encoding.ASCII.GetString(await TestNet.ReadToEndAsync(client)));
            Assert.Equal(0, balancer.Backends[0].Failures);
        }

        [Fact]
        public async Task Without_ConnectFailure_a_failed_connect_is_not_retried()
        {
            await using var net = new TestNet();
            TcpTestBackend good = net.Backend();
            int closed = TestNet.RefusingPort();
            TcpBalancer balancer = net.Balancer(o => { o.HealthCheck.Interval = TimeSpan.Zero; o.RetryOn = RetryConditions.None; }, closed, good.Port);

            var results = await TestNet.ProbeAsync(balancer.Port, 2);

            Assert.Equal(new[] { TcpProbeStatus.Reset, TcpProbeStatus.Success }, results.Select(r => r.Status));
            Assert.Equal(0, balancer.Statistics.Retried);
            Assert.Equal(1, balancer.Statistics.Failed);
            AssertCountsAddUp(balancer);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task A_half_closed_stream_that_keeps_flowing_is_delivered_whole_past_the_fin_timeout(bool clientFinFirst)
        {
            await using var net = new TestNet();
            using var raw = new RawBackend();
            TcpBalancer balancer = net.Balancer(o => { TestNet.RareChecks(o); o.FinTimeout = TimeSpan.FromMilliseconds(1500); }, raw.Port);
            // 45 chunks 100 ms apart: 4.5 s, three times the FIN timeout. The timeout leaves room for
            // a busy machine (gaps of 800 ms were seen between 100 ms sends at a load of 14 on 2 cores).
            const int Chunks = 45, ChunkSize = 4096;

            using Socket client = await TestNet.ConnectAsync(balancer.Port);
            await client.SendAsync(Encoding.ASCII.GetBytes("go"), SocketFlags.None);
            using Socket server = await raw.AcceptAsync();
            await RawBackend.ReadExactlyAsync(server, 2);
            Socket first = clientFinFirst ? client : server, streaming = clientFinFirst ? server : client, reading = clientFinFirst ? client : server;
            first.Shutdown(SocketShutdown.Send);
            Assert.Equal(0, await (clientFinFirst ? server : client).ReceiveAsync(new byte[1].AsMemory(), SocketFlags.None));

            Task<byte[]> received = TestNet.ReadToEndAsync(reading);
            byte[] chunk = Enumerable.Range(0, ChunkSize).Select(i => (byte)i).ToArray();
            for (int i = 0; i < Chunks; i++)
            {
                await streaming.SendAsync(chunk, SocketFlags.None);
                await Task.Delay(100);
            }
            streaming.Shutdown(SocketShutdown.Send);

            Assert.Equal(Chunks * ChunkSize, (await received).Length);
            AssertCountsAddUp(balancer);
            Assert.Equal(0, balancer.Statistics.Failed);
        }

        [Fact]
        public async Task On_the_tls_path_too_a_half_closed_stream_that_keeps_flowing_is_delivered_whole()
        {
            using X509Certificate2 certificate = TlsCertificates.CreateSelfSigned();
            await using var net = new TestNet();
            using var raw = new RawBackend();
            TcpBalancer balancer = net.Balancer(o => { TestNet.RareChecks(o); o.Tls = new ListenerTlsOptions(certificate); o.FinTimeout = TimeSpan.FromMilliseconds(1500); }, raw.Port);
            const int Chunks = 45, ChunkSize = 4096; // 4.5 s of stream, three times the FIN timeout (room for a busy machine)

            using Socket socket = await TestNet.ConnectAsync(balancer.Port);
            using var tls = new SslStream(new NetworkStream(socket, false), false, (s, c, ch, e) => c != null && new X509Certificate2(c).Thumbprint == certificate.Thumbprint);
            await tls.AuthenticateAsClientAsync("localhost");
            await tls.WriteAsync(Encoding.ASCII.GetBytes("go"));
            await tls.ShutdownAsync();
            socket.Shutdown(SocketShutdown.Send);
            using Socket server = await raw.AcceptAsync();
            await RawBackend.ReadExactlyAsync(server, 2);
            Assert.Equal(0, await server.ReceiveAsync(new byte[1].AsMemory(), SocketFlags.None));

            var reply = new MemoryStream();
            Task reading = tls.CopyToAsync(reply);
            byte[] chunk = new byte[ChunkSize];
            for (int i = 0; i < Chunks; i++)
            {
                await server.SendAsync(chunk, SocketFlags.None);
                await Task.Delay(100);
            }
            server.Shutdown(SocketShutdown.Send);
            await reading.WaitAsync(TestNet.Patience);

            Assert.Equal(Chunks * ChunkSize, reply.Length);
            AssertCountsAddUp(balancer);
        }

        [Fact]
        public async Task A_half_closed_connection_that_goes_silent_is_closed_after_the_fin_timeout()
        {
            await using var net = new TestNet();
            using var raw = new RawBackend();
            TcpBalancer balancer = net.Balancer(o => { TestNet.RareChecks(o); o.FinTimeout = TimeSpan.FromMilliseconds(300); }, raw.Port);

            using Socket client = await TestNet.ConnectAsync(balancer.Port);
            await client.SendAsync(Encoding.ASCII.GetBytes("go"), SocketFlags.None);
            using Socket server = await raw.AcceptAsync();
            await RawBackend.ReadExactlyAsync(server, 2);
            await server.SendAsync(Encoding.ASCII.GetBytes("some"), SocketFlags.None);
            client.Shutdown(SocketShutdown.Send);

            // The server says nothing more: the pair is cut (a reset), not left half-open.
            await Assert.ThrowsAnyAsync<SocketException>(async () => await TestNet.ReadToEndAsync(client));
            AssertCountsAddUp(balancer);
        }

        public enum Ending
        {
            IdleTimeoutAnswered,
            IdleTimeoutUnanswered,
            ClientReset,
            BackendDisabled,
        }

        [Theory]
        [InlineData(Ending.IdleTimeoutAnswered)]
        [InlineData(Ending.IdleTimeoutUnanswered)]
        [InlineData(Ending.ClientReset)]
        [InlineData(Ending.BackendDisabled)]
        public async Task Connections_ended_from_outside_are_served_and_counted_once(Ending ending)
        {
            await using var net = new TestNet();
            TcpTestBackend echo = net.Backend(TcpBackendMode.Echo), echo2 = net.Backend(TcpBackendMode.Echo);
            bool idle = ending == Ending.IdleTimeoutAnswered || ending == Ending.IdleTimeoutUnanswered;
            TcpBalancer balancer = net.Balancer(o => { TestNet.RareChecks(o); o.IdleTimeout = idle ? TimeSpan.FromMilliseconds(1000) : TimeSpan.FromHours(1); }, echo.Port, echo2.Port);
            const int Count = 100;

            var clients = new List<Socket>();
            try
            {
                for (int i = 0; i < Count; i++)
                {
                    Socket client = await TestNet.ConnectAsync(balancer.Port);
                    clients.Add(client);
                    if (ending != Ending.IdleTimeoutUnanswered)
                    {
                        await client.SendAsync(new byte[] { 7 }, SocketFlags.None);
                        await RawBackend.ReadExactlyAsync(client, 1);
                    }
                }
                if (ending == Ending.ClientReset)
                {
                    clients.ForEach(c => { c.LingerState = new LingerOption(true, 0); c.Close(); });
                }
                else if (ending == Ending.BackendDisabled)
                {
                    balancer.DisableBackend(balancer.Backends[0].Address, drain: false);
                    balancer.DisableBackend(balancer.Backends[1].Address, drain: false);
                }
                foreach (Socket client in clients.Where(c => ending != Ending.ClientReset))
                {
                    await Assert.ThrowsAnyAsync<SocketException>(async () => await TestNet.ReadToEndAsync(client));
                }

                AssertCountsAddUp(balancer);
                Assert.Equal(Count, balancer.Statistics.Accepted);
                Assert.Equal(Count, balancer.Statistics.Served);
                Assert.Equal(0, balancer.Statistics.Failed);
                Assert.Equal(0, balancer.Statistics.Redispatched);
                Assert.All(balancer.Backends, b => Assert.Equal(0, b.Failures));
            }
            finally
            {
                clients.ForEach(c => c.Dispose());
            }
        }

        [Fact]
        public async Task Resets_before_the_first_byte_and_redispatches_keep_the_counts_adding_up()
        {
            await using var net = new TestNet();
            using var resetting = new RawBackend();
            Task resets = resetting.ResetAfterRequestsAsync();
            TcpTestBackend good = net.Backend();
            // Replayed while another backend is left, then, alone, failed.
            TcpBalancer balancer = net.Balancer(o => o.HealthCheck.Interval = TimeSpan.Zero, resetting.Port, good.Port);

            var moved = await TestNet.ProbeAsync(balancer.Port, 6);
            balancer.RemoveBackend(new BackendAddress("127.0.0.1", good.Port));
            var failed = await TestNet.ProbeAsync(balancer.Port, 3);

            Assert.All(moved, r => Assert.Equal(TcpProbeStatus.Success, r.Status));
            Assert.All(failed, r => Assert.Equal(TcpProbeStatus.Reset, r.Status));
            Assert.True(balancer.Statistics.Redispatched + balancer.Statistics.Retried >= 3);
            Assert.True(SpinWait.SpinUntil(() => balancer.ActiveConnections == 0, TestNet.Patience), "connections still open");
            BalancerStatistics s = balancer.Statistics;
            Assert.Equal(s.Accepted, s.Served + s.Failed);
            Assert.Equal(6, s.Served);
            Assert.Equal(3, s.Failed);
            // The removed backend's count goes with it; the one left never answered, so it counts none.
            Assert.Equal(0, balancer.Backends.Single().TotalConnections);
        }

        /// <summary>
        /// Backends of an upload-only protocol: each reads what its client sends to the end, keeps
        /// it as one message, and closes without a byte back.
        /// </summary>
        private sealed class UploadSinks : IDisposable
        {
            private readonly List<Socket> _listeners = new List<Socket>();

            public UploadSinks(int count)
            {
                for (int i = 0; i < count; i++)
                {
                    var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                    listener.Listen(64);
                    _listeners.Add(listener);
                    _ = AcceptAllAsync(listener);
                }
            }

            public int[] Ports => _listeners.Select(l => ((IPEndPoint)l.LocalEndPoint!).Port).ToArray();

            public ConcurrentQueue<string> Received { get; } = new ConcurrentQueue<string>();

            private async Task AcceptAllAsync(Socket listener)
            {
                while (true)
                {
                    Socket accepted;
                    try
                    {
                        accepted = await listener.AcceptAsync();
                    }
                    catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
                    {
                        return;
                    }
                    _ = ReadToEndAndCloseAsync(accepted);
                }
            }

            private async Task ReadToEndAndCloseAsync(Socket accepted)
            {
                using (accepted)
                {
                    try
                    {
                        Received.Enqueue(Encoding.ASCII.GetString(await TestNet.ReadToEndAsync(accepted)));
                        accepted.Shutdown(SocketShutdown.Send);
                    }
                    catch (Exception e) when (e is SocketException || e is OperationCanceledException)
                    {
                    }
                }
            }

            public void Dispose() => _listeners.ForEach(l => l.Dispose());
        }
    }
}
