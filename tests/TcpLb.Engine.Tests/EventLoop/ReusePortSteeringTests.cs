using System.Linq;
using System.Net;
using System.Net.Sockets;
using TcpLb.Engine.Net.EventLoop;

namespace TcpLb.Engine.Tests.EventLoop
{
    /// <summary>The kernel told which listeners of a SO_REUSEPORT group take new connections, and told to spread again.</summary>
    public class ReusePortSteeringTests
    {
        [Fact]
        public void New_connections_go_to_the_first_listeners_only_while_steered_and_to_every_listener_once_the_steering_is_removed()
        {
            var listeners = new int[3];
            listeners[0] = NativeSocket.Listen(new IPEndPoint(IPAddress.Loopback, 0), reusePort: true, backlog: 256);
            var endPoint = NativeSocket.LocalEndPoint(listeners[0])!;
            listeners[1] = NativeSocket.Listen(endPoint, reusePort: true, backlog: 256);
            listeners[2] = NativeSocket.Listen(endPoint, reusePort: true, backlog: 256);
            try
            {
                Assert.Equal(0, ReusePortSteering.Steer(listeners[1], 2, 3)); // any member steers the group
                int[] steered = ConnectAndCount(endPoint, listeners, 40);
                Assert.Equal(0, steered[2]);
                Assert.True(steered[0] > 0 && steered[1] > 0, "spread over the first two: " + string.Join(",", steered));

                Assert.Equal(0, ReusePortSteering.Steer(listeners[0], 1, 3));
                int[] one = ConnectAndCount(endPoint, listeners, 10);
                Assert.Equal(new[] { 10, 0, 0 }, one);

                Assert.Equal(0, ReusePortSteering.Steer(listeners[0], 3, 3));
                int[] all = ConnectAndCount(endPoint, listeners, 60);
                Assert.True(all.All(n => n > 0), "the kernel's hash over all three: " + string.Join(",", all));
                Assert.Equal(0, ReusePortSteering.Steer(listeners[0], 3, 3)); // nothing to remove: fine
            }
            finally
            {
                foreach (int fd in listeners)
                {
                    NativeSocket.Reset(fd);
                }
            }
        }

        /// <summary>Connects <paramref name="count"/> clients one by one and counts who accepted each.</summary>
        private static int[] ConnectAndCount(IPEndPoint endPoint, int[] listeners, int count)
        {
            var accepted = new int[listeners.Length];
            // .NET views of the descriptors for a non-blocking accept (not owned: the test closes them).
            Socket[] views = listeners.Select(fd => new Socket(new SafeSocketHandle((System.IntPtr)fd, ownsHandle: false)) { Blocking = false }).ToArray();
            for (int i = 0; i < count; i++)
            {
                using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                client.Connect(endPoint); // on loopback the handshake is done: the connection waits in one queue
                int found = -1;
                for (int l = 0; l < views.Length && found < 0; l++)
                {
                    if (views[l].Poll(0, SelectMode.SelectRead))
                    {
                        views[l].Accept().Dispose();
                        found = l;
                    }
                }
                Assert.True(found >= 0, "connection " + i + " is in no listener's queue");
                accepted[found]++;
            }
            foreach (Socket view in views)
            {
                view.Dispose();
            }
            return accepted;
        }
    }
}
