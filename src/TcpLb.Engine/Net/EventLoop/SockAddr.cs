using System;
using System.Net;
using System.Net.Sockets;

namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>
    /// <c>sockaddr_in</c> and <c>sockaddr_in6</c> written and read by hand: family in host order,
    /// port in network order, then the address (and for IPv6 flow info and scope id).
    /// </summary>
    internal static unsafe class SockAddr
    {
        /// <summary>Room for either kind (sizeof sockaddr_in6); callers stackalloc this much.</summary>
        public const int MaxSize = 28;

        private const int In4Size = 16;
        private const int In6Size = 28;
        private const int ScopeOffset = 24;

        /// <summary>Writes the endpoint into <paramref name="addr"/> (MaxSize bytes); returns its length.</summary>
        public static int Write(IPEndPoint endPoint, byte* addr)
        {
            bool v6 = endPoint.AddressFamily == AddressFamily.InterNetworkV6;
            if (!v6 && endPoint.AddressFamily != AddressFamily.InterNetwork)
            {
                throw new ArgumentException($"Address family {endPoint.AddressFamily} of {endPoint} is not supported; use IPv4 or IPv6.", nameof(endPoint));
            }
            for (int i = 0; i < MaxSize; i++)
            {
                addr[i] = 0;
            }
            *(ushort*)addr = (ushort)(v6 ? LinuxNative.AF_INET6 : LinuxNative.AF_INET);
            int port = endPoint.Port;
            addr[2] = (byte)(port >> 8);
            addr[3] = (byte)port;
            byte[] bytes = endPoint.Address.GetAddressBytes();
            byte* address = addr + AddressOffset(v6);
            for (int i = 0; i < bytes.Length; i++)
            {
                address[i] = bytes[i];
            }
            if (v6)
            {
                *(uint*)(addr + ScopeOffset) = (uint)endPoint.Address.ScopeId;
            }
            return v6 ? In6Size : In4Size;
        }

        /// <summary>Reads an endpoint written by the kernel; null for a family other than IPv4/IPv6.</summary>
        public static IPEndPoint? Read(byte* addr, int length)
        {
            int family = *(ushort*)addr;
            bool v6 = family == LinuxNative.AF_INET6;
            if ((!v6 && family != LinuxNative.AF_INET) || length < (v6 ? In6Size : In4Size))
            {
                return null;
            }
            var bytes = new byte[v6 ? 16 : 4];
            byte* address = addr + AddressOffset(v6);
            for (int i = 0; i < bytes.Length; i++)
            {
                bytes[i] = address[i];
            }
            int port = (addr[2] << 8) | addr[3];
            return new IPEndPoint(v6 ? new IPAddress(bytes, *(uint*)(addr + ScopeOffset)) : new IPAddress(bytes), port);
        }

        /// <summary>Where the address starts: after family and port (IPv4), and flow info too (IPv6).</summary>
        private static int AddressOffset(bool v6) => v6 ? 8 : 4;
    }
}
