using System;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using TcpLb.Engine.Balancing;
using Xunit;

namespace TcpLb.Engine.Tests
{
    /// <summary>A balancer that is its own backend is refused; a loop that gets past that is cut at accept.</summary>
    public class SelfLoopTests
    {
        [Theory]
        [InlineData("127.0.0.1", "127.0.0.1", true)]
        [InlineData("0.0.0.0", "127.0.0.1", true)]
        [InlineData("::", "127.0.0.1", true)]
        [InlineData("::1", "127.0.0.1", true)]
        [InlineData("::ffff:127.0.0.1", "127.0.0.1", true)]
        [InlineData("127.0.0.1", "0.0.0.0", true)]
        [InlineData("127.0.0.1", "::", true)]
        [InlineData("::1", "::1", true)]
        [InlineData("192.0.2.10", "127.0.0.1", false)]
        [InlineData("192.0.2.10", "192.0.2.10", true)]
        public void Reaches_the_listener_on_the_same_port_only(string target, string listener, bool reaches)
        {
            var at = new IPEndPoint(IPAddress.Parse(listener), 35000);

            Assert.Equal(reaches, SelfLoopGuard.Reaches(new IPEndPoint(IPAddress.Parse(target), 35000), at));
            Assert.False(SelfLoopGuard.Reaches(new IPEndPoint(IPAddress.Parse(target), 35001), at));
        }

        [Theory]
        [InlineData("127.0.0.1")]
        [InlineData("localhost")]
        [InlineData("0.0.0.0")]
        [InlineData("::")]
        public void Start_refuses_its_own_port_and_leaves_the_port_free(string host)
        {
            int port = TestNet.ClosedPort();
            var options = new TcpBalancerOptions { Port = port };
            options.Backends.Add(new BackendAddress(host, port));
            var balancer = new TcpBalancer(options);

            var e = Assert.Throws<SelfLoopBackendException>(() => balancer.Start());

            Assert.Contains($":{port}", e.Message);
            Assert.Equal(port, e.ListenEndPoint.Port);
            Assert.True(TestNet.PortIsFree(port));
            Assert.Equal(0, balancer.ActiveConnections);
        }

        [Fact]
        public async Task AddBackend_refuses_the_bound_port_of_a_port_0_balancer_and_keeps_the_pool()
        {
            await using var net = new TestNet();
            var backend = net.Backend();
            var balancer = net.Balancer(backend.Port);

            var e = Assert.Throws<SelfLoopBackendException>(() => balancer.AddBackend(new BackendAddress("localhost", balancer.Port)));

            Assert.Contains(balancer.Port.ToString(), e.Message);
            Assert.Single(balancer.Backends);
            Assert.All(await TestNet.ProbeAsync(balancer.Port, 3), r => Assert.Equal(Probing.TcpProbeStatus.Success, r.Status));
        }

        [Fact]
        public async Task A_loop_through_another_balancer_is_refused_on_add_and_on_start_but_a_chain_is_not()
        {
            await using var net = new TestNet();
            var backend = net.Backend();
            var a = net.Balancer(backend.Port);
            var b = net.Balancer(a.Port);

            var e = Assert.Throws<SelfLoopBackendException>(() => a.AddBackend(new BackendAddress("127.0.0.1", b.Port)));

            Assert.Equal(b.Port, e.OtherBalancer!.Port);
            Assert.Contains($"whose backends lead back to this balancer (127.0.0.1:{a.Port})", e.Message);
            Assert.Single(a.Backends);
            Assert.All(await TestNet.ProbeAsync(b.Port, 3), r => Assert.Equal(backend.Port, r.Backend));

            int port = TestNet.ClosedPort();
            var c = net.Balancer(b.Port, port); // c -> b -> a, and c -> port, where d is about to listen
            var options = new TcpBalancerOptions { Port = port };
            options.Backends.Add(new BackendAddress("127.0.0.1", c.Port));
            var d = new TcpBalancer(options);
            var started = Assert.Throws<SelfLoopBackendException>(() => d.Start());
            Assert.Equal(c.Port, started.OtherBalancer!.Port);
            Assert.True(TestNet.PortIsFree(port));
        }

        [Fact]
        public async Task A_loop_that_got_past_the_start_check_is_cut_at_once_and_counted()
        {
            await using var net = new TestNet();
            var backend = net.Backend();
            var balancer = net.Balancer(o => o.HealthCheck.Interval = TimeSpan.Zero, backend.Port);
            // Point the backend at the balancer's own listener after the start, as a name or a NAT
            // that leads back here would: the start-time check cannot see it. (Moved here from the
            // Pester suite, which reached into the engine by reflection to do this.)
            balancer.Backends[0].EndPoints[0] = new IPEndPoint(IPAddress.Loopback, balancer.Port);

            var results = await TestNet.ProbeAsync(balancer.Port, 20);

            Assert.Equal(20, results.Count);
            Assert.True(balancer.Statistics.LoopsCut > 0, "no loop was cut");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (balancer.ActiveConnections > 0)
            {
                Assert.True(clock.Elapsed < TestNet.Patience, $"{balancer.ActiveConnections} connection(s) still open");
                await Task.Delay(10);
            }
            var s = balancer.Statistics;
            Assert.Equal(s.Accepted, s.Served + s.Failed + s.Rejected + s.Denied + s.LoopsCut);
        }

        [Fact]
        public void Options_refuse_a_duplicate_backend_naming_it()
        {
            var options = new TcpBalancerOptions { Port = 0 };
            options.Backends.Add(new BackendAddress("127.0.0.1", 8088));
            options.Backends.Add(BackendAddress.Parse("8088"));

            var e = Assert.Throws<ArgumentException>(() => new TcpBalancer(options));

            Assert.Contains("127.0.0.1:8088 is given more than once", e.Message);
        }

        [Fact]
        public async Task An_accepted_socket_whose_peer_is_a_registered_outgoing_socket_is_recognised_while_it_is_open()
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(4);
            var outgoing = new OutgoingConnections();
            var own = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            var stranger = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await own.ConnectAsync(listener.LocalEndPoint!);
            outgoing.Register(own, (IPEndPoint)listener.LocalEndPoint!);
            using Socket fromOwn = await listener.AcceptAsync();
            await stranger.ConnectAsync(listener.LocalEndPoint!);
            using Socket fromStranger = await listener.AcceptAsync();

            Assert.True(outgoing.IsOwn(fromOwn));
            Assert.False(outgoing.IsOwn(fromStranger));

            own.Dispose();
            stranger.Dispose();
            Assert.False(outgoing.IsOwn(fromOwn));
            outgoing.Prune();
            Assert.Equal(0, outgoing.Count);
        }

        [Fact]
        public async Task An_accepted_socket_from_an_announced_outgoing_socket_is_recognised_before_it_is_registered()
        {
            // A busy machine can run the accept between the connect and the registration.
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(4);
            var target = (IPEndPoint)listener.LocalEndPoint!;
            var outgoing = new OutgoingConnections();
            using var own = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            using var abandoned = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            outgoing.Connecting(own, target);
            outgoing.Connecting(abandoned, target);
            await own.ConnectAsync(target);
            using Socket fromOwn = await listener.AcceptAsync();
            await abandoned.ConnectAsync(target);
            using Socket fromAbandoned = await listener.AcceptAsync();
            outgoing.Abandon(abandoned);

            Assert.True(outgoing.IsOwn(fromOwn));
            Assert.False(outgoing.IsOwn(fromAbandoned));
            Assert.Equal(1, outgoing.Count);
        }

        [Theory]
        [InlineData("localhost", "localhost")]
        [InlineData("127.0.0.1", "127.0.0.1")]
        [InlineData("::1", "::1")]
        [InlineData("[::1]", "::1")]
        [InlineData("fe80::1", "fe80::1")]
        [InlineData("[::1:8080]", "::1:8080")]
        public void A_host_without_a_port_is_taken(string text, string host)
            => Assert.Equal(host, Net.Endpoints.HostWithoutPort(text, "-ComputerName", "-Port"));

        [Theory]
        [InlineData("::1:8080", "[::1]:8080")]
        [InlineData("localhost:8080", "-ComputerName localhost -Port 8080")]
        [InlineData("127.0.0.1:80", "-ComputerName 127.0.0.1 -Port 80")]
        [InlineData("[::1]:8080", "-ComputerName ::1 -Port 8080")]
        [InlineData("2001:db8::1:443", "[2001:db8::1]:443")]
        public void A_host_with_a_port_is_an_error_that_says_to_use_the_port_parameter(string text, string shown)
        {
            var e = Assert.Throws<ArgumentException>(() => Net.Endpoints.HostWithoutPort(text, "-ComputerName", "-Port"));

            Assert.Contains($"'{text}'", e.Message);
            Assert.Contains(shown, e.Message);
            Assert.Contains("-Port", e.Message);
        }
    }
}
