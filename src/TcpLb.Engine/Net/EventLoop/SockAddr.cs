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

        /// <summary>Writes the endpoint into <paramref name="addr"/> (MaxSize bytes); returns its length.</summary>
        public static int Write(IPEndPoint endPoint, byte* addr)
        {
            for (int i = 0; i < MaxSize; i++)
            {
                addr[i] = 0;
            }
            int port = endPoint.Port;
            addr[2] = (byte)(port >> 8);
            addr[3] = (byte)port;
            byte[] bytes = endPoint.Address.GetAddressBytes();
            if (endPoint.AddressFamily == AddressFamily.InterNetwork)
            {
                *(ushort*)addr = LinuxNative.AF_INET;
                for (int i = 0; i < 4; i++)
                {
                    addr[4 + i] = bytes[i];
                }
                return In4Size;
            }
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                *(ushort*)addr = LinuxNative.AF_INET6;
                for (int i = 0; i < 16; i++)
                {
                    addr[8 + i] = bytes[i];
                }
                *(uint*)(addr + 24) = (uint)endPoint.Address.ScopeId;
                return In6Size;
            }
            throw new ArgumentException($"Address family {endPoint.AddressFamily} of {endPoint} is not supported; use IPv4 or IPv6.", nameof(endPoint));
        }

        /// <summary>Reads an endpoint written by the kernel; null for a family other than IPv4/IPv6.</summary>
        public static IPEndPoint? Read(byte* addr, int length)
        {
            int family = *(ushort*)addr;
            int port = (addr[2] << 8) | addr[3];
            if (family == LinuxNative.AF_INET && length >= In4Size)
            {
                var bytes = new byte[4];
                for (int i = 0; i < 4; i++)
                {
                    bytes[i] = addr[4 + i];
                }
                return new IPEndPoint(new IPAddress(bytes), port);
            }
            if (family == LinuxNative.AF_INET6 && length >= In6Size)
            {
                var bytes = new byte[16];
                for (int i = 0; i < 16; i++)
                {
                    bytes[i] = addr[8 + i];
                }
                return new IPEndPoint(new IPAddress(bytes, *(uint*)(addr + 24)), port);
            }
            return null;
        }
    }
}
