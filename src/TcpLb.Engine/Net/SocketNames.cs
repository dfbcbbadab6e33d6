using System;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace TcpLb.Engine.Net
{
    /// <summary>
    /// The local endpoint of a socket whose connect is still in progress. .NET's
    /// <see cref="Socket.LocalEndPoint"/> is null until the connect completes, but the system has
    /// chosen the port as soon as the connect started; getsockname reads it.
    /// </summary>
    internal static class SocketNames
    {
        private static readonly bool IsWindows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
        private static volatile bool _unavailable;

        [ThreadStatic]
        private static byte[]? _buffer;

        /// <summary>The bound local endpoint, or null when the system cannot tell (or the call is not available here).</summary>
        public static IPEndPoint? LocalEndPoint(Socket socket)
        {
            if (_unavailable)
            {
                return null;
            }
            byte[] address = _buffer ??= new byte[128];
            int length = address.Length;
            int result;
            try
            {
                result = IsWindows
                    ? WindowsGetSockName(socket.Handle, address, ref length)
                    : UnixGetSockName(socket.Handle.ToInt32(), address, ref length);
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException)
            {
                _unavailable = true;
                return null;
            }
            catch (ObjectDisposedException)
            {
                return null;
            }
            return result == 0 ? Parse(address, length, socket.AddressFamily) : null;
        }

        /// <summary>sockaddr_in / sockaddr_in6: the port is bytes 2-3 (network order) everywhere; the address follows.</summary>
        private static IPEndPoint? Parse(byte[] address, int length, AddressFamily family)
        {
            int port = (address[2] << 8) | address[3];
            if (family == AddressFamily.InterNetwork && length >= 8)
            {
                return new IPEndPoint(new IPAddress(new[] { address[4], address[5], address[6], address[7] }), port);
            }
            if (family == AddressFamily.InterNetworkV6 && length >= 24)
            {
                var bytes = new byte[16];
                Array.Copy(address, 8, bytes, 0, 16);
                return new IPEndPoint(new IPAddress(bytes), port);
            }
            return null;
        }

        [DllImport("libc", EntryPoint = "getsockname", SetLastError = true)]
        private static extern int UnixGetSockName(int socket, byte[] address, ref int length);

        [DllImport("ws2_32.dll", EntryPoint = "getsockname", SetLastError = true)]
        private static extern int WindowsGetSockName(IntPtr socket, byte[] address, ref int length);
    }
}
