using System;
using System.Net;
using TcpLb.Engine.Net.EventLoop;
using static TcpLb.Engine.Net.EventLoop.LinuxNative;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// A bound socket that never listens, holding a port while the loop transport's listeners are
    /// closed (the outage Refuse): connects are refused and no other program can take the port, yet
    /// the listeners (SO_REUSEPORT, same user) bind beside it again. It never enters a loop.
    /// </summary>
    internal sealed unsafe class PortHolder : IDisposable
    {
        private int _fd;

        private PortHolder(int fd) => _fd = fd;

        /// <summary>The holder, or null when the port could not be held (it is then only refused).</summary>
        public static PortHolder? Hold(IPEndPoint endPoint)
        {
            bool v6 = endPoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
            int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (fd < 0)
            {
                return null;
            }
            int one = 1;
            byte* addr = stackalloc byte[SockAddr.MaxSize];
            int length = SockAddr.Write(endPoint, addr);
            if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(int)) != 0 || bind(fd, addr, length) != 0)
            {
                close(fd);
                return null;
            }
            return new PortHolder(fd);
        }

        public void Dispose()
        {
            if (_fd >= 0)
            {
                close(_fd);
                _fd = -1;
            }
        }
    }
}
