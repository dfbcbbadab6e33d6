using System;
using System.Net;
using System.Net.Sockets;
using static TcpLb.Engine.Net.EventLoop.LinuxNative;

namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>
    /// Non-blocking TCP descriptors for the event loop: listeners, outgoing connects, the options
    /// the relay needs, and a reset (close with SO_LINGER 0). Plain descriptors, never .NET Sockets.
    /// </summary>
    internal static unsafe class NativeSocket
    {
        /// <summary>
        /// A listening descriptor bound to <paramref name="endPoint"/>, with TCP_NODELAY for the
        /// connections it accepts. With
        /// <paramref name="reusePort"/> several loops bind the same port and the kernel spreads
        /// new connections over them (only sockets that also ask for it can join, so a port that
        /// another program holds still fails with "in use").
        /// </summary>
        public static int Listen(IPEndPoint endPoint, bool reusePort, int backlog)
        {
            int fd = Bind(endPoint, reusePort);
            if (listen(fd, backlog) != 0)
            {
                int errno = Errno;
                close(fd);
                throw Failure(errno);
            }
            return fd;
        }

        /// <summary>
        /// Checks that nobody holds <paramref name="endPoint"/>, another SO_REUSEPORT group included
        /// (a second balancer of the same user on the same port would otherwise join the first one's
        /// group and take half its clients): binds it once without SO_REUSEPORT, which any holder
        /// refuses, and lets it go. The bound address (the real port when 0 was asked for), for the
        /// group's listeners to bind at once; <see cref="ListenerBindException"/> when it is taken.
        /// </summary>
        public static IPEndPoint ClaimPort(IPEndPoint endPoint)
        {
            int fd = Bind(endPoint, reusePort: false);
            IPEndPoint? bound = LocalEndPoint(fd);
            close(fd);
            return bound ?? endPoint;
        }

        /// <summary>A non-blocking TCP socket bound to <paramref name="endPoint"/> with the listener's options (not listening yet).</summary>
        private static int Bind(IPEndPoint endPoint, bool reusePort)
        {
            int fd = socket(endPoint.AddressFamily == AddressFamily.InterNetworkV6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd < 0)
            {
                throw Failure(Errno);
            }
            try
            {
                SetInt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
                if (reusePort)
                {
                    SetInt(fd, SOL_SOCKET, SO_REUSEPORT, 1);
                }
                if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
                {
                    // '::' is dual mode (IPv4 clients too), as the stream path's listener; any other IPv6 address is IPv6 only.
                    SetInt(fd, IPPROTO_IPV6, IPV6_V6ONLY, endPoint.Address.Equals(IPAddress.IPv6Any) ? 0 : 1);
                }
                // Accepted sockets inherit TCP_NODELAY from the listener on Linux: one call per listener, not per connection.
                SetInt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
                byte* addr = stackalloc byte[SockAddr.MaxSize];
                int length = SockAddr.Write(endPoint, addr);
                if (bind(fd, addr, length) != 0)
                {
                    int errno = Errno;
                    throw new ListenerBindException(endPoint, ToSocketError(errno), Failure(errno));
                }
                return fd;
            }
            catch
            {
                close(fd);
                throw;
            }
        }

        /// <summary>
        /// Starts a non-blocking connect with TCP_NODELAY set: the descriptor (connected at once
        /// when <paramref name="connected"/>, else completing on EPOLLOUT, see <see cref="TakeError"/>),
        /// or minus errno when it failed at once (nothing is left open then).
        /// </summary>
        public static int StartConnect(NativeEndPoint endPoint, out bool connected, IConnectWitness? witness = null)
        {
            connected = false;
            int fd = socket(endPoint.IsIPv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd < 0)
            {
                return -Errno;
            }
            SetInt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
            witness?.Connecting(fd, endPoint.EndPoint);
            int result;
            fixed (byte* addr = endPoint.Bytes)
            {
                result = connect(fd, addr, endPoint.Length);
            }
            int errno = result == 0 ? 0 : Errno;
            if (result == 0 || errno == EINPROGRESS || errno == EINTR)
            {
                connected = result == 0;
                witness?.Issued(fd, endPoint.EndPoint);
                return fd;
            }
            witness?.Closed(fd);
            close(fd);
            return -errno;
        }

        /// <summary>The pending error of a descriptor (SO_ERROR, cleared by reading): 0 when none.</summary>
        public static int TakeError(int fd)
        {
            int error = 0;
            int length = sizeof(int);
            return getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 ? error : Errno;
        }

        public static void SetNoDelay(int fd) => SetInt(fd, IPPROTO_TCP, TCP_NODELAY, 1);

        /// <summary>Closes with RST instead of FIN (SO_LINGER 0): how a reset is passed on.</summary>
        public static void Reset(int fd)
        {
            int* linger = stackalloc int[2];
            linger[0] = 1;
            linger[1] = 0;
            setsockopt(fd, SOL_SOCKET, SO_LINGER, linger, 2 * sizeof(int));
            close(fd);
        }

        public static IPEndPoint? LocalEndPoint(int fd)
        {
            byte* addr = stackalloc byte[SockAddr.MaxSize];
            int length = SockAddr.MaxSize;
            return getsockname(fd, addr, &length) == 0 ? SockAddr.Read(addr, length) : null;
        }

        public static IPEndPoint? PeerEndPoint(int fd)
        {
            byte* addr = stackalloc byte[SockAddr.MaxSize];
            int length = SockAddr.MaxSize;
            return getpeername(fd, addr, &length) == 0 ? SockAddr.Read(addr, length) : null;
        }

        /// <summary>An int socket option; minus errno when it cannot be read.</summary>
        public static int GetInt(int fd, int level, int option)
        {
            int value = 0;
            int length = sizeof(int);
            return getsockopt(fd, level, option, &value, &length) == 0 ? value : -Errno;
        }

        public static void SetInt(int fd, int level, int option, int value)
            => setsockopt(fd, level, option, &value, sizeof(int));

        /// <summary>The .NET name of an errno, for messages and for callers that already speak SocketError.</summary>
        public static SocketError ToSocketError(int errno)
        {
            switch (errno)
            {
                case EADDRINUSE: return SocketError.AddressAlreadyInUse;
                case 99: return SocketError.AddressNotAvailable; // EADDRNOTAVAIL
                case 13: return SocketError.AccessDenied; // EACCES
                case ECONNREFUSED: return SocketError.ConnectionRefused;
                case ECONNRESET: return SocketError.ConnectionReset;
                case ECONNABORTED: return SocketError.ConnectionAborted;
                case EPIPE: return SocketError.Shutdown;
                case ETIMEDOUT: return SocketError.TimedOut;
                case EMFILE:
                case ENFILE: return SocketError.TooManyOpenSockets;
                case ENOBUFS:
                case ENOMEM: return SocketError.NoBufferSpaceAvailable;
                case 101: return SocketError.NetworkUnreachable; // ENETUNREACH
                case 113: return SocketError.HostUnreachable; // EHOSTUNREACH
                default: return SocketError.SocketError;
            }
        }

        private static SocketException Failure(int errno)
            => new SocketException((int)ToSocketError(errno));
    }
}
