using System;
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
using TcpLb.Engine.Tls;

namespace TcpLb.Engine.Tests
{
    /// <summary>
    /// Clients that wait in a queue (the balancer's or a backend's connection limit) are looked at
    /// when their turn comes: one that reset meanwhile never reaches a backend and is counted; one
    /// that only half-closed after its request is served.
    /// </summary>
    public class QueuedClientTests
    {
        /// <summary>The transport these tests run on; a subclass in OnLoopTransportTests.cs runs them on the event loop.</summary>
        protected virtual BalancerTransport Transport => BalancerTransport.Stream;

        private const int Quitters = 5;
        private static readonly byte[] Request = Encoding.ASCII.GetBytes("hello queue"); // 11 bytes

        [Fact]
        public async Task Clients_that_reset_while_queued_for_the_balancers_limit_never_reach_the_backend()
        {
            await using var net = new TestNet(Transport);
            TcpTestBackend echo = net.Backend(TcpBackendMode.Echo);
            TcpBalancer balancer = net.Balancer(o => { NoChecks(o); o.MaxConnections = 1; o.QueueTimeout = TestNet.Patience; }, echo.Port);

            await QuittersAreDroppedAsync(balancer, echo, () => Client.PlainAsync(balancer.Port));
        }

        [Fact]
        public async Task Clients_that_reset_while_queued_for_a_backends_limit_never_reach_it()
        {
            await using var net = new TestNet(Transport);
            TcpTestBackend echo = net.Backend(TcpBackendMode.Echo);
            TcpBalancer balancer = net.Balancer(o => { NoChecks(o); o.BackendMaxConnections = 1; o.QueueTimeout = TestNet.Patience; }, echo.Port);

            await QuittersAreDroppedAsync(balancer, echo, () => Client.PlainAsync(balancer.Port));
        }

        [Fact]
        public async Task On_the_TLS_path_clients_that_reset_while_queued_for_a_backend_never_reach_it()
        {
            using X509Certificate2 certificate = TlsCertificates.CreateSelfSigned();
            await using var net = new TestNet(Transport);
            TcpTestBackend echo = net.Backend(TcpBackendMode.Echo);
            TcpBalancer balancer = net.Balancer(o => { NoChecks(o); o.Tls = new ListenerTlsOptions(certificate); o.BackendMaxConnections = 1; o.QueueTimeout = TestNet.Patience; }, echo.Port);

            // Each client's handshake is done before it queues for the backend; its 11 bytes go as a TLS record.
            await QuittersAreDroppedAsync(balancer, echo, () => Client.TlsAsync(balancer.Port));
        }

        [Fact]
        public async Task On_the_TLS_path_clients_that_reset_while_queued_for_the_balancers_limit_never_reach_the_backend()
        {
            using X509Certificate2 certificate = TlsCertificates.CreateSelfSigned();
            await using var net = new TestNet(Transport);
            TcpTestBackend echo = net.Backend(TcpBackendMode.Echo);
            TcpBalancer balancer = net.Balancer(o => { NoChecks(o); o.Tls = new ListenerTlsOptions(certificate); o.MaxConnections = 1; o.QueueTimeout = TestNet.Patience; }, echo.Port);

            // Queued before their handshake: each sends 11 bytes and resets; none is handshaken or sent on.
            await QuittersAreDroppedAsync(balancer, echo, () => Client.PlainAsync(balancer.Port), first: () => Client.TlsAsync(balancer.Port));
        }

        [Fact]
        public async Task A_client_that_reset_while_queued_is_counted_abandoned_not_rejected_when_its_queue_timeout_passes()
        {
            await using var net = new TestNet(Transport);
            TcpTestBackend echo = net.Backend(TcpBackendMode.Echo);
            TcpBalancer balancer = net.Balancer(o => { NoChecks(o); o.MaxConnections = 1; o.QueueTimeout = TimeSpan.FromSeconds(5); }, echo.Port);
            using Socket holder = await TestNet.ConnectAsync(balancer.Port);
            await ExchangeAsync(holder, Request); // keeps the only slot past both clients' queue timeouts

            using Socket waiting = await TestNet.ConnectAsync(balancer.Port);
            await waiting.SendAsync(Request, SocketFlags.None);
            using (Socket quitter = await TestNet.ConnectAsync(balancer.Port))
            {
                await quitter.SendAsync(Request, SocketFlags.None);
                quitter.LingerState = new LingerOption(true, 0);
            } // a reset, well within its 5 s in the queue

            Assert.True(SpinWait.SpinUntil(() => balancer.Statistics.Failed + balancer.Statistics.Rejected == 2, TestNet.Patience), "the queued clients' time never ran out");
            await Assert.ThrowsAnyAsync<SocketException>(() => TestNet.ReadToEndAsync(waiting)); // refused with a reset
            BalancerStatistics s = balancer.Statistics;
            Assert.Equal(1, s.Rejected); // the client that waited to the end
            Assert.Equal(1, s.AbandonedInQueue); // the one that had given up
            Assert.Equal(1, s.Failed);
            Assert.Equal(1, echo.ConnectionsAccepted);
        }

        [Fact]
        public async Task A_client_that_half_closed_after_its_request_while_queued_is_still_served()
        {
            await using var net = new TestNet(Transport);
            TcpTestBackend echo = net.Backend(TcpBackendMode.Echo);
            TcpBalancer balancer = net.Balancer(o => { NoChecks(o); o.MaxConnections = 1; o.QueueTimeout = TestNet.Patience; }, echo.Port);
            using Socket holder = await TestNet.ConnectAsync(balancer.Port);
            await ExchangeAsync(holder, Request);

            using Socket patient = await TestNet.ConnectAsync(balancer.Port);
            await patient.SendAsync(Request, SocketFlags.None);
            patient.Shutdown(SocketShutdown.Send); // HAProxy's abortonclose is off by default for this client
            Assert.True(SpinWait.SpinUntil(() => balancer.Queued == 1, TestNet.Patience), "the client never queued");
            holder.Shutdown(SocketShutdown.Send);
            await TestNet.ReadToEndAsync(holder);

            Assert.Equal(Request, await TestNet.ReadToEndAsync(patient));
            AssertCountsAddUp(balancer, served: 2, failed: 0);
            Assert.Equal(0, balancer.Statistics.AbandonedInQueue);
            Assert.Equal(2, echo.ConnectionsAccepted);
        }

        /// <summary>
        /// One client holds the only slot; <see cref="Quitters"/> more send 11 bytes each and reset
        /// while queued; the holder leaves; a last client is served, after which the backend has
        /// accepted whatever the balancer opened to it: the holder's and the last one's, nothing else.
        /// </summary>
        private static async Task QuittersAreDroppedAsync(TcpBalancer balancer, TcpTestBackend echo, Func<Task<Client>> connect, Func<Task<Client>>? first = null)
        {
            first ??= connect;
            using Client holder = await first();
            await holder.ExchangeAsync();

            var quitters = new List<Client>();
            for (int i = 0; i < Quitters; i++)
            {
                Client quitter = await connect();
                await quitter.Stream.WriteAsync(Request);
                quitters.Add(quitter);
            }
            Assert.True(SpinWait.SpinUntil(() => balancer.Queued == Quitters, TestNet.Patience), $"{balancer.Queued} of {Quitters} clients queued");
            quitters.ForEach(q => q.Reset());
            holder.Dispose();

            Assert.True(SpinWait.SpinUntil(() => balancer.Statistics.Failed == Quitters, TestNet.Patience), $"{balancer.Statistics.Failed} failed");
            using (Client last = await first())
            {
                await last.ExchangeAsync();
            }
            AssertCountsAddUp(balancer, served: 2, failed: Quitters);
            Assert.Equal(Quitters, balancer.Statistics.AbandonedInQueue);
            Assert.Equal(2, echo.ConnectionsAccepted);
            Assert.Equal(2, balancer.Backends[0].TotalConnections);
            Assert.Equal(0, balancer.Backends[0].Failures);
        }

        /// <summary>No health checks: the backend's ConnectionsAccepted then counts only what the balancer sent on.</summary>
        private static void NoChecks(TcpBalancerOptions o) => o.HealthCheck.Interval = TimeSpan.Zero;

        private static async Task ExchangeAsync(Socket socket, byte[] bytes)
        {
            await socket.SendAsync(bytes, SocketFlags.None);
            Assert.Equal(bytes, await RawBackend.ReadExactlyAsync(socket, bytes.Length));
        }

        private static void AssertCountsAddUp(TcpBalancer balancer, long served, long failed)
        {
            Assert.True(SpinWait.SpinUntil(() => balancer.ActiveConnections == 0 && balancer.Statistics.Served == served, TestNet.Patience), $"{balancer.ActiveConnections} open, {balancer.Statistics.Served} served");
            BalancerStatistics s = balancer.Statistics;
            Assert.Equal(failed, s.Failed);
            Assert.Equal(s.Accepted, s.Served + s.Failed + s.Rejected + s.Denied + s.LoopsCut);
            Assert.Equal(s.Served, balancer.Backends.Sum(b => b.TotalConnections));
        }

        /// <summary>A test client, plain or TLS: its socket (to reset it) and the stream it talks over.</summary>
        private sealed class Client : IDisposable
        {
            private Client(Socket socket, Stream stream)
            {
                Socket = socket;
                Stream = stream;
            }

            public Socket Socket { get; }

            public Stream Stream { get; }

            public static async Task<Client> PlainAsync(int port)
            {
                Socket socket = await TestNet.ConnectAsync(port);
                return new Client(socket, new NetworkStream(socket, ownsSocket: true));
            }

            public static async Task<Client> TlsAsync(int port)
            {
                Socket socket = await TestNet.ConnectAsync(port);
                var tls = new SslStream(new NetworkStream(socket, ownsSocket: true), false, (sender, certificate, chain, errors) => true);
                await tls.AuthenticateAsClientAsync("localhost").WaitAsync(TestNet.Patience);
                return new Client(socket, tls);
            }

            /// <summary>Sends the request and reads it back from the echo backend.</summary>
            public async Task ExchangeAsync()
            {
                await Stream.WriteAsync(Request);
                var reply = new byte[Request.Length];
                using var timeout = new CancellationTokenSource(TestNet.Patience);
                await Stream.ReadExactlyAsync(reply, timeout.Token);
                Assert.Equal(Request, reply);
            }

            /// <summary>Closes with a reset (linger 0).</summary>
            public void Reset()
            {
                Socket.LingerState = new LingerOption(true, 0);
                Socket.Close();
                Stream.Dispose();
            }

            public void Dispose() => Stream.Dispose();
        }
    }
}
