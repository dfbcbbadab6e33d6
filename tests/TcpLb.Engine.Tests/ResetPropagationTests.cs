using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Backends;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Probing;
using TcpLb.Engine.Proxying;
using TcpLb.Engine.Tls;

namespace TcpLb.Engine.Tests
{
    /// <summary>
    /// A reset on one side resets the other, however it is seen. On Linux a reset is reported once:
    /// when the send of the client's bytes to the backend takes the ECONNRESET, reads on that socket
    /// then return 0 as after a FIN, and the client must still get a reset, not a clean close.
    /// The pump tests set that order up exactly (the backend's RST has arrived, unread, before the
    /// pumps start, and the client's bytes are waiting, so the client→server send goes first); the
    /// balancer tests run many connections to a backend that resets right after accepting.
    /// </summary>
    public class ResetPropagationTests
    {
        /// <summary>The transport these tests run on; a subclass in OnLoopTransportTests.cs runs them on the event loop.</summary>
        protected virtual BalancerTransport Transport => BalancerTransport.Stream;

        private static readonly TimeSpan FinTimeout = TimeSpan.FromSeconds(30);
        private const int Count = 200;

        public enum PumpKind
        {
            Plain,
            WatchedWithoutReplay,
            Replayed,
            Streams,
        }

        [Theory]
        [InlineData(PumpKind.Plain)]
        [InlineData(PumpKind.WatchedWithoutReplay)]
        [InlineData(PumpKind.Replayed)]
        [InlineData(PumpKind.Streams)]
        public async Task A_server_reset_taken_by_the_send_of_the_clients_bytes_resets_the_client(PumpKind kind)
        {
            using var listener = Listen();
            var (clientPeer, client) = await PairAsync(listener);
            var (backend, server) = await PairAsync(listener);
            using (clientPeer)
            {
                await clientPeer.SendAsync(Encoding.ASCII.GetBytes("Hello"), SocketFlags.None);
                Assert.True(client.Poll((int)TestNet.Patience.TotalMicroseconds, SelectMode.SelectRead), "the client's bytes never arrived");
                backend.LingerState = new LingerOption(true, 0);
                backend.Dispose();
                // poll() sees the RST without taking it: the send below will.
                Assert.True(server.Poll((int)TestNet.Patience.TotalMicroseconds, SelectMode.SelectRead), "the backend's reset never arrived");

                switch (kind)
                {
                    case PumpKind.Plain:
                        await new DuplexPump(client, server, FinTimeout).RunAsync().WaitAsync(TestNet.Patience);
                        break;
                    case PumpKind.WatchedWithoutReplay:
                        var pump = new DuplexPump(client, FinTimeout, new PendingResponse(replay: false));
                        ProxyAttemptOutcome outcome = await pump.RunAsync(server, UnansweredEnd.None).WaitAsync(TestNet.Patience);
                        Assert.Equal(ProxyAttemptOutcome.FailedBeforeResponse, outcome);
                        Assert.Equal(UnansweredEnd.Reset, pump.LastEnd);
                        // The client hears nothing until the caller, having counted the failure, resets it
                        // (a reset on loopback arrives within the abort call).
                        Assert.False(clientPeer.Poll(0, SelectMode.SelectRead), "the client was reset before the caller could count the failure");
                        await pump.EndAsync(resetClient: true).WaitAsync(TestNet.Patience);
                        break;
                    case PumpKind.Replayed:
                        // With RetryOn Reset, the reset the send took is a Reset: the connection may move
                        // (and, with no next server here, its client is reset), never an empty response.
                        var moving = new DuplexPump(client, FinTimeout, new PendingResponse(replay: true));
                        ProxyAttemptOutcome moved = await moving.RunAsync(server, UnansweredEnd.Reset).WaitAsync(TestNet.Patience);
                        Assert.Equal(ProxyAttemptOutcome.Movable, moved);
                        Assert.Equal(UnansweredEnd.Reset, moving.LastEnd);
                        await moving.EndAsync(resetClient: true).WaitAsync(TestNet.Patience);
                        break;
                    case PumpKind.Streams:
                        bool clean = await TlsDuplexPump.RunAsync(SecuredSocket.Plain(client), SecuredSocket.Plain(server), FinTimeout, null, null, null, null, null).WaitAsync(TestNet.Patience);
                        Assert.False(clean);
                        break;
                }

                var e = await Assert.ThrowsAnyAsync<SocketException>(() => TestNet.ReadToEndAsync(clientPeer));
                Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
            }
        }

        [Fact]
        public async Task A_client_reset_taken_by_the_send_of_the_servers_bytes_resets_the_server()
        {
            using var listener = Listen();
            var (clientPeer, client) = await PairAsync(listener);
            var (backend, server) = await PairAsync(listener);
            using (backend)
            {
                await backend.SendAsync(Encoding.ASCII.GetBytes("Hello"), SocketFlags.None);
                Assert.True(server.Poll((int)TestNet.Patience.TotalMicroseconds, SelectMode.SelectRead), "the server's bytes never arrived");
                clientPeer.LingerState = new LingerOption(true, 0);
                clientPeer.Dispose();
                Assert.True(client.Poll((int)TestNet.Patience.TotalMicroseconds, SelectMode.SelectRead), "the client's reset never arrived");

                // The server→client direction goes first here, so its send takes the client's reset.
                var clientSends = new SendWitness(FinTimeout);
                var serverSends = new SendWitness(FinTimeout);
                var activity = new ActivityStamp();
                using (client)
                using (server)
                {
                    PumpOutcome down = await RunPumpAsync(server, client, activity, serverSends, clientSends);
                    PumpOutcome up = await RunPumpAsync(client, server, activity, clientSends, serverSends);
                    Assert.Equal(PumpOutcome.DestinationFailed, down);
                    Assert.Equal(PumpOutcome.SourceFailed, up); // not Finished: no FIN goes to the server
                }
            }
        }

        [Fact]
        public async Task Without_replay_a_backend_reset_resets_every_client_never_a_clean_close()
        {
            await using var net = new TestNet(Transport);
            TcpTestBackend resetting = net.Backend(), good = net.Backend();
            resetting.SetBehavior(fault: TcpBackendFault.Reset);
            TcpBalancer balancer = net.Balancer(o => { o.HealthCheck.Interval = TimeSpan.Zero; o.RetryOn = RetryConditions.None; }, resetting.Port, good.Port);

            var results = await TestNet.ProbeAsync(balancer.Port, Count, concurrency: 4);

            string seen = string.Join(", ", results.GroupBy(r => $"{r.Status} {r.Backend} '{r.Response}'").Select(g => $"{g.Key} x{g.Count()}"));
            Assert.True(results.All(r => r.Status == TcpProbeStatus.Reset || (r.Status == TcpProbeStatus.Success && r.Backend == good.Port)), seen);
            Assert.True(SpinWait.SpinUntil(() => balancer.ActiveConnections == 0, TestNet.Patience), "connections still open");
            BalancerStatistics s = balancer.Statistics;
            string counted = $"{seen}; balancer: accepted {s.Accepted}, served {s.Served}, failed {s.Failed}, rejected {s.Rejected}, retried {s.Retried}, redispatched {s.Redispatched}";
            Assert.True(results.Count(r => r.Status == TcpProbeStatus.Reset) == s.Failed, counted);
            Assert.True(s.Failed >= Count / 4, counted);
        }

        [Fact]
        public async Task With_the_defaults_a_backend_reset_is_replayed_to_the_good_backend_every_time()
        {
            await using var net = new TestNet(Transport);
            TcpTestBackend resetting = net.Backend(), good = net.Backend();
            resetting.SetBehavior(fault: TcpBackendFault.Reset);
            TcpBalancer balancer = net.Balancer(o => o.HealthCheck.Interval = TimeSpan.Zero, resetting.Port, good.Port);

            var results = await TestNet.ProbeAsync(balancer.Port, Count, concurrency: 4);

            string seen = string.Join(", ", results.GroupBy(r => $"{r.Status} {r.Backend} '{r.Response}'").Select(g => $"{g.Key} x{g.Count()}"));
            Assert.True(results.All(r => r.Status == TcpProbeStatus.Success && r.Backend == good.Port), seen);
            Assert.True(SpinWait.SpinUntil(() => balancer.ActiveConnections == 0, TestNet.Patience), "connections still open");
            Assert.Equal(0, balancer.Statistics.Failed);
            Assert.True(balancer.Statistics.Redispatched + balancer.Statistics.Retried >= Count / 4, seen);
        }

        private static async Task<PumpOutcome> RunPumpAsync(Socket source, Socket destination, ActivityStamp activity, SendWitness sourceSends, SendWitness destinationSends)
        {
            var args = new Net.SocketAwaitableEventArgs();
            return await StreamPump.RunAsync(source, destination, args, null, null, activity, sourceSends: sourceSends, destinationSends: destinationSends).WaitAsync(TestNet.Patience);
        }

        private static Socket Listen()
        {
            var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(4);
            return listener;
        }

        /// <summary>A connection over loopback: the peer's end (a client or backend program) and the balancer's end.</summary>
        private static async Task<(Socket Peer, Socket Ours)> PairAsync(Socket listener)
        {
            Socket peer = await TestNet.ConnectAsync(((IPEndPoint)listener.LocalEndPoint!).Port);
            Socket ours = await listener.AcceptAsync().WaitAsync(TestNet.Patience);
            return (peer, ours);
        }
    }
}
