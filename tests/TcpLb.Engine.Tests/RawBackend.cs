using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace TcpLb.Engine.Tests
{
    /// <summary>A plain listener, so a test can hold the backend's end of a proxied connection.</summary>
    internal sealed class RawBackend : IDisposable
    {
        private readonly Socket _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        public RawBackend()
        {
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(16);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

        public Task<Socket> AcceptAsync() => _listener.AcceptAsync().WaitAsync(TestNet.Patience);

        public static async Task<byte[]> ReadExactlyAsync(Socket socket, int count)
        {
            var buffer = new byte[count];
            using var timeout = new CancellationTokenSource(TestNet.Patience);
            int offset = 0;
            while (offset < count)
            {
                int read = await socket.ReceiveAsync(buffer.AsMemory(offset), SocketFlags.None, timeout.Token);
                if (read == 0)
                {
                    throw new InvalidOperationException($"EOF after {offset} of {count} bytes.");
                }
                offset += read;
            }
            return buffer;
        }

        public void Dispose() => _listener.Dispose();
    }
}
