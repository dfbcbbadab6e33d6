using System;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace TcpLb.Engine.Tests
{
    /// <summary>A client that connects from a chosen loopback source address (127.0.0.2, ::1, ...) and reports how it was answered.</summary>
    internal static class SourceClient
    {
        /// <summary>Connects from <paramref name="from"/>, sends a line, half-closes and reads: the reply, or null when the connection was reset.</summary>
        public static async Task<string?> AskAsync(string from, string to, int port, string message = "Hello\n")
        {
            Socket? socket = null;
            try
            {
                // A reset at accept can reach the client before its connect completes.
                socket = await ConnectAsync(from, to, port);
                await socket.SendAsync(Encoding.ASCII.GetBytes(message).AsMemory(), SocketFlags.None);
                socket.Shutdown(SocketShutdown.Send);
                byte[] reply = await TestNet.ReadToEndAsync(socket);
                return reply.Length == 0 ? "" : Encoding.ASCII.GetString(reply);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset || e.SocketErrorCode == SocketError.Shutdown || e.SocketErrorCode == SocketError.ConnectionAborted)
            {
                return null;
            }
            finally
            {
                socket?.Dispose();
            }
        }

        public static async Task<Socket> ConnectAsync(string from, string to, int port)
        {
            IPAddress source = IPAddress.Parse(from);
            var socket = new Socket(source.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(to), port)).WaitAsync(TestNet.Patience);
            return socket;
        }

        /// <summary>Whether the peer resets (or closes) a connection that sends nothing: waits for its end.</summary>
        public static async Task<bool> IsResetAsync(Socket socket)
        {
            var buffer = new byte[16];
            using var timeout = new CancellationTokenSource(TestNet.Patience);
            try
            {
                int read = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, timeout.Token);
                return false;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                return true;
            }
        }
    }
}
