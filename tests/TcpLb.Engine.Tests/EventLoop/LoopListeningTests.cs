using System.Net.Sockets;
using System.Threading.Tasks;
using TcpLb.Engine.Net.EventLoop;

namespace TcpLb.Engine.Tests.EventLoop
{
    /// <summary>Closing and reopening a relay's listeners (the balancer's outage Refuse) while its connections go on.</summary>
    public class LoopListeningTests
    {
        [Theory]
        [InlineData("reuseport")]
        [InlineData("handoff")]
        public async Task Stopped_listeners_refuse_new_clients_while_open_connections_go_on_and_listen_again_on_the_same_port(string layout)
        {
            using var backend = new RawBackend();
            using var relay = new RelayUnderTest(backend.Port, LoopLayouts.Parse(layout), loops: 2);
            int port = relay.Port;
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                relay.Relay.Listener.StopListening();
                Assert.False(relay.Relay.Listener.IsListening);
                var refused = await Assert.ThrowsAsync<SocketException>(() => relay.ConnectAsync());
                Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);

                // The open connection still carries bytes both ways.
                await client.SendAsync(new byte[] { 1, 2 }, SocketFlags.None);
                Assert.Equal(new byte[] { 1, 2 }, await RawBackend.ReadExactlyAsync(server, 2));
                await server.SendAsync(new byte[] { 3 }, SocketFlags.None);
                Assert.Equal(new byte[] { 3 }, await RawBackend.ReadExactlyAsync(client, 1));

                relay.Relay.Listener.StartListening();
                Assert.Equal(port, relay.Port);
                for (int i = 0; i < 4; i++)
                {
                    var (again, againServer) = await relay.PairAsync(backend);
                    using (again)
                    using (againServer)
                    {
                        await again.SendAsync(new byte[] { 9 }, SocketFlags.None);
                        Assert.Equal(new byte[] { 9 }, await RawBackend.ReadExactlyAsync(againServer, 1));
                    }
                }
            }
            Assert.Empty(relay.Trace.Faults);
        }
    }
}
