using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using TcpLb.Engine.Backends;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Net;
using TcpLb.Engine.Tests.EventLoop;
using Xunit;

namespace TcpLb.Engine.Tests
{
    /// <summary>
    /// PROXY protocol through real sockets: the balancer sending it to backends and accepting it
    /// from a proxy in front, checked against our test backend and against real peers (HAProxy in
    /// front with send-proxy / send-proxy-v2, nginx behind with proxy_protocol and $proxy_protocol_addr).
    /// </summary>
    public class ProxyProtocolTests
    {
        private static TcpTestBackend ReportingBackend(TestNet net, IPAddress listen)
        {
            var backend = new TcpTestBackend(new TcpTestBackendOptions { ListenAddress = listen, Port = 0, AcceptProxyProtocol = true, ReportClient = true });
            backend.Start();
            net.Track(backend);
            return backend;
        }

        private static TcpBalancer Balancer(TestNet net, IPAddress listen, IPEndPoint backend, Action<TcpBalancerOptions> configure)
        {
            var options = new TcpBalancerOptions { ListenAddress = listen, Port = 0 };
            options.Backends.Add(new BackendAddress(backend.Address.ToString(), backend.Port));
            configure(options);
            var balancer = new TcpBalancer(options);
            balancer.Start();
            net.Track(balancer);
            return balancer;
        }

        /// <summary>Sends a line from a bound source, half-closes, and returns the reply with the client's own endpoint.</summary>
        private static async Task<(string? Reply, IPEndPoint Client)> AskAsync(string from, IPEndPoint to, byte[]? prefix = null, string message = "Hello\n")
        {
            using Socket socket = await SourceClient.ConnectAsync(from, to.Address.ToString(), to.Port);
            var client = (IPEndPoint)socket.LocalEndPoint!;
            try
            {
                byte[] bytes = Encoding.ASCII.GetBytes(message);
                bytes = prefix == null ? bytes : SocketIo.Concat(prefix, bytes);
                if (bytes.Length > 0)
                {
                    await socket.SendAsync(bytes.AsMemory(), SocketFlags.None);
                }
                socket.Shutdown(SocketShutdown.Send);
                return (Encoding.ASCII.GetString(await TestNet.ReadToEndAsync(socket)), client);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                return (null, client);
            }
        }

        [Theory]
        [InlineData(ProxyProtocolVersion.V1, "127.0.0.1", "127.0.0.2")]
        [InlineData(ProxyProtocolVersion.V2, "127.0.0.1", "127.0.0.2")]
        [InlineData(ProxyProtocolVersion.V1, "::1", "::1")]
        [InlineData(ProxyProtocolVersion.V2, "::1", "::1")]
        public async Task The_backend_learns_the_client_s_address_from_the_header_the_balancer_sends(ProxyProtocolVersion version, string listen, string from)
        {
            await using var net = new TestNet();
            var backend = ReportingBackend(net, IPAddress.Parse(listen));
            var balancer = Balancer(net, IPAddress.Parse(listen), backend.LocalEndPoint, o => o.SendProxyProtocol = version);

            var (reply, client) = await AskAsync(from, balancer.LocalEndPoint);

            Assert.Equal(TcpTestBackend.ReplyFor(backend.Port, client) + "\n", reply);
            Assert.Equal(version, backend.LastProxyHeader!.Version);
            Assert.Equal(balancer.LocalEndPoint, backend.LastProxyHeader.Destination);
        }

        [Theory]
        [InlineData("127.0.0.1", "localhost")]
        [InlineData("::1", "::1")]
        public void A_PROXY_protocol_listener_that_is_its_own_backend_is_refused_at_start(string listen, string backendHost)
        {
            int port = TestNet.ClosedPort();
            var options = new TcpBalancerOptions { ListenAddress = IPAddress.Parse(listen), Port = port, AcceptProxyProtocol = true, SendProxyProtocol = ProxyProtocolVersion.V2 };
            options.Backends.Add(new BackendAddress(backendHost, port));
            var balancer = new TcpBalancer(options);

            Assert.Throws<SelfLoopBackendException>(() => balancer.Start());
            Assert.True(TestNet.PortIsFree(port));
        }

        [Fact]
        public async Task Each_backend_may_have_its_own_version_or_none()
        {
            await using var net = new TestNet();
            var proxied = ReportingBackend(net, IPAddress.Loopback);
            var plain = net.Backend();
            var options = new TcpBalancerOptions { Port = 0, SendProxyProtocol = ProxyProtocolVersion.V1 };
            options.Backends.Add(BackendDefinition.Parse($"127.0.0.1:{proxied.Port};send_proxy=v2"));
            options.Backends.Add(BackendDefinition.Parse($"127.0.0.1:{plain.Port};send_proxy=none"));
            var balancer = new TcpBalancer(options);
            balancer.Start();
            net.Track(balancer);

            var (first, client) = await AskAsync("127.0.0.2", balancer.LocalEndPoint);
            var (second, _) = await AskAsync("127.0.0.2", balancer.LocalEndPoint);

            Assert.Equal(TcpTestBackend.ReplyFor(proxied.Port, client) + "\n", first);
            Assert.Equal(ProxyProtocolVersion.V2, proxied.LastProxyHeader!.Version);
            Assert.Equal(TcpTestBackend.ReplyFor(plain.Port) + "\n", second);
            Assert.Equal($"127.0.0.1:{proxied.Port};send_proxy=v2", balancer.CurrentConfiguration().Backends[0].ToString());
            Assert.Contains("send_proxy 'v3' is not v1, v2 or none", Assert.Throws<FormatException>(() => BackendDefinition.Parse("127.0.0.1:1;send_proxy=v3")).Message);
        }

        [Theory]
        [InlineData("PROXY TCP4 192.0.2.7 127.0.0.1 5555 80\r\n", "192.0.2.7:5555")]
        [InlineData("PROXY TCP6 2001:db8::7 ::1 5555 80\r\n", "[2001:db8::7]:5555")]
        public async Task A_balancer_behind_a_proxy_uses_the_header_s_address_for_rules_and_passes_it_on(string header, string client)
        {
            await using var net = new TestNet();
            var backend = ReportingBackend(net, IPAddress.Loopback);
            var balancer = Balancer(net, IPAddress.Loopback, backend.LocalEndPoint, o =>
            {
                o.AcceptProxyProtocol = true;
                o.SendProxyProtocol = ProxyProtocolVersion.V2;
                o.DenyFrom.Add("198.51.100.0/24");
            });

            // The header and the request in one segment: the request must still reach the backend whole.
            var (reply, _) = await AskAsync("127.0.0.2", balancer.LocalEndPoint, Encoding.ASCII.GetBytes(header));
            Assert.Equal(TcpTestBackend.ReplyFor(backend.Port) + " for " + client + "\n", reply);

            var (denied, _) = await AskAsync("127.0.0.2", balancer.LocalEndPoint, Encoding.ASCII.GetBytes("PROXY TCP4 198.51.100.9 127.0.0.1 5555 80\r\n"));
            Assert.Null(denied);
            Assert.Equal(1, balancer.Statistics.Denied);
        }

        [Fact]
        public async Task A_missing_malformed_or_late_header_is_a_reset_counted_and_no_backend_is_touched()
        {
            await using var net = new TestNet();
            var backend = ReportingBackend(net, IPAddress.Loopback);
            var balancer = Balancer(net, IPAddress.Loopback, backend.LocalEndPoint, o =>
            {
                o.AcceptProxyProtocol = true;
                o.ProxyHeaderTimeout = TimeSpan.FromMilliseconds(300);
            });
            var warnings = new System.Collections.Concurrent.ConcurrentQueue<string>();
            balancer.Warning += (s, e) => warnings.Enqueue(e.Message);

            Assert.Null((await AskAsync("127.0.0.2", balancer.LocalEndPoint)).Reply); // no header
            Assert.Null((await AskAsync("127.0.0.2", balancer.LocalEndPoint, Encoding.ASCII.GetBytes("PROXY TCP4 1.2.3.4 1.2.3.4 99999 1\r\n"))).Reply);
            using (Socket silent = await SourceClient.ConnectAsync("127.0.0.2", "127.0.0.1", balancer.Port))
            {
                // Half a header, then nothing: reset once the header timeout is over.
                await silent.SendAsync(Encoding.ASCII.GetBytes("PROXY TCP4 ").AsMemory(), SocketFlags.None);
                Assert.True(await SourceClient.IsResetAsync(silent));
            }

            // The timeout resets the socket first, to end the pending read; the count follows at once.
            var deadline = System.Diagnostics.Stopwatch.StartNew();
            while (balancer.Statistics.BadProxyHeaders < 3 && deadline.Elapsed < TestNet.Patience)
            {
                await Task.Delay(10);
            }
            Assert.Equal(3, balancer.Statistics.BadProxyHeaders);
            Assert.Equal(3, balancer.Statistics.Failed);
            Assert.Equal(0, backend.ConnectionsAccepted);
            Assert.Single(warnings); // rate-limited: once per minute
            Assert.Contains("does not start with a PROXY protocol header", warnings.Single());
        }

        [Theory]
        [InlineData("send-proxy", "127.0.0.1", "127.0.0.2")]
        [InlineData("send-proxy-v2", "127.0.0.1", "127.0.0.2")]
        [InlineData("send-proxy", "::1", "::1")]
        [InlineData("send-proxy-v2", "::1", "::1")]
        public async Task Behind_HAProxy_the_balancer_reads_its_header_and_the_backend_sees_the_real_client(string sendProxy, string listen, string from)
        {
            await using var net = new TestNet();
            IPAddress address = IPAddress.Parse(listen);
            var backend = ReportingBackend(net, address);
            var balancer = Balancer(net, address, backend.LocalEndPoint, o =>
            {
                o.AcceptProxyProtocol = true;
                o.SendProxyProtocol = ProxyProtocolVersion.V1;
            });
            var front = new IPEndPoint(address, ExternalProxy.FreePort(address));
            using var haproxy = await ExternalProxy.StartAsync(ExternalProxy.HAProxy, folder => $@"
global
    maxconn 64
defaults
    mode tcp
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend front
    bind {Endpoints.Format(front)}
    default_backend balancer
backend balancer
    server lb {Endpoints.Format(balancer.LocalEndPoint)} {sendProxy}
", folder => "-db -f peer.conf", front);

            var (reply, client) = await AskAsync(from, front);

            Assert.Equal(TcpTestBackend.ReplyFor(backend.Port, client) + "\n", reply);
            Assert.Equal(0, balancer.Statistics.BadProxyHeaders);
        }

        [Theory]
        [InlineData(ProxyProtocolVersion.V1, "127.0.0.1", "127.0.0.2")]
        [InlineData(ProxyProtocolVersion.V2, "127.0.0.1", "127.0.0.2")]
        [InlineData(ProxyProtocolVersion.V1, "::1", "::1")]
        [InlineData(ProxyProtocolVersion.V2, "::1", "::1")]
        public async Task Nginx_behind_the_balancer_reads_the_header_it_sends(ProxyProtocolVersion version, string listen, string from)
        {
            await using var net = new TestNet();
            IPAddress address = IPAddress.Parse(listen);
            var upstream = new IPEndPoint(address, ExternalProxy.FreePort(address));
            using var nginx = await ExternalProxy.StartAsync(ExternalProxy.Nginx, folder => $@"
load_module {ExternalProxy.NginxStreamModule};
daemon off;
master_process off;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 64; }}
stream {{
    server {{
        listen {Endpoints.Format(upstream)} proxy_protocol;
        return ""$proxy_protocol_addr $proxy_protocol_port\n"";
    }}
}}
", folder => $"-p {folder} -e {folder}/error.log -c {folder}/peer.conf", upstream);
            var balancer = Balancer(net, address, upstream, o => o.SendProxyProtocol = version);

            // nginx's return answers and closes without reading: a request it left unread would turn its close into a reset.
            var (reply, client) = await AskAsync(from, balancer.LocalEndPoint, message: "");

            Assert.Equal($"{client.Address} {client.Port}\n", reply);
        }
    }
}
