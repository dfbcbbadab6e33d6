using System;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Backends;
using TcpLb.Engine.Balancing;

namespace TcpLb.Engine.Tests
{
    /// <summary>Settings applied to a running balancer (ApplySettings, UpdateBackend) reach new connections and the sweep.</summary>
    public class LiveSettingsTests
    {
        [Fact]
        public async Task A_connection_limit_set_while_running_counts_the_connections_already_open()
        {
            await using var net = new TestNet();
            TcpTestBackend echo = net.Backend(TcpBackendMode.Echo);
            TcpBalancer balancer = net.Balancer(o => o.QueueLength = 0, echo.Port);
            using Socket open = await TestNet.ConnectAsync(balancer.Port);
            await Exchange(open, "held");

            TcpBalancerOptions settings = balancer.CurrentConfiguration();
            settings.MaxConnections = 1;
            balancer.ApplySettings(settings);

            // The one open before the limit fills it: the next is refused (no queue).
            await Assert.ThrowsAnyAsync<SocketException>(async () =>
            {
                using Socket refused = await TestNet.ConnectAsync(balancer.Port);
                await TestNet.ReadToEndAsync(refused);
            });
            Assert.Equal(1, balancer.Statistics.Rejected);

            // Lifted again: served.
            settings.MaxConnections = 0;
            balancer.ApplySettings(settings);
            using Socket served = await TestNet.ConnectAsync(balancer.Port);
            await Exchange(served, "now");
            await Exchange(open, "still");
        }

        [Fact]
        public async Task An_idle_timeout_set_while_running_closes_idle_connections()
        {
            await using var net = new TestNet();
            TcpTestBackend echo = net.Backend(TcpBackendMode.Echo);
            TcpBalancer balancer = net.Balancer(o => { o.IdleTimeout = Timeout.InfiniteTimeSpan; o.ResponseTimeout = TimeSpan.Zero; }, echo.Port);
            using Socket idle = await TestNet.ConnectAsync(balancer.Port);
            await Exchange(idle, "hello");

            TcpBalancerOptions settings = balancer.CurrentConfiguration();
            settings.IdleTimeout = TimeSpan.FromMilliseconds(300);
            balancer.ApplySettings(settings);

            // No sweeper ran before (no timeout at all); the reload starts one, which closes the idle connection.
            try
            {
                await TestNet.ReadToEndAsync(idle); // ends (or times out and fails the test) when the balancer closes it
            }
            catch (SocketException)
            {
                // Closed with a reset: closed all the same.
            }
            Assert.True(SpinWait.SpinUntil(() => balancer.ActiveConnections == 0, TestNet.Patience), "the idle connection stayed open");
        }

        [Fact]
        public void Invalid_settings_are_refused_and_nothing_changes()
        {
            using var balancer = new TcpBalancer(Options());
            TcpBalancerOptions settings = balancer.CurrentConfiguration();
            settings.Retries = -1;
            settings.ConnectTimeout = TimeSpan.FromSeconds(9);

            Assert.Throws<ArgumentOutOfRangeException>(() => balancer.ApplySettings(settings));
            Assert.Equal(TimeSpan.FromSeconds(2), balancer.Options.ConnectTimeout);

            TcpBalancerOptions moved = balancer.CurrentConfiguration();
            moved.Port = 1234;
            Assert.Contains("port cannot change", Assert.Throws<ArgumentException>(() => balancer.ApplySettings(moved)).Message);
        }

        [Fact]
        public void UpdateBackend_changes_backup_and_limit_in_place()
        {
            using var balancer = new TcpBalancer(Options());
            Backend before = balancer.Backends[0];

            Assert.True(balancer.UpdateBackend(new BackendDefinition(before.Address, weight: 5, backup: true, maxConnections: 3)));
            Assert.False(balancer.UpdateBackend(new BackendDefinition(new BackendAddress("127.0.0.1", 9999))));

            Assert.Same(before, balancer.Backends[0]);
            Assert.True(before.IsBackup);
            Assert.Equal(3, before.MaxConnections);
            Assert.Equal(1, before.Weight); // the weight is SetWeight's
        }

        private static TcpBalancerOptions Options()
        {
            var options = new TcpBalancerOptions { Port = 0 };
            options.Backends.Add(new BackendAddress("127.0.0.1", 9001));
            return options;
        }

        private static async Task Exchange(Socket socket, string text)
        {
            byte[] bytes = Encoding.ASCII.GetBytes(text);
            await socket.SendAsync(bytes, SocketFlags.None);
            Assert.Equal(text, Encoding.ASCII.GetString(await RawBackend.ReadExactlyAsync(socket, bytes.Length)));
        }
    }
}
