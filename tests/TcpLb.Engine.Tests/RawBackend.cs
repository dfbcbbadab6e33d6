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

        /// <summary>Reads until the peer's FIN: what it sent, all of it (a close with bytes left unread would send a reset).</summary>
        public static async Task<int> ReadToEndAsync(Socket socket)
        {
            var buffer = new byte[4096];
            using var timeout = new CancellationTokenSource(TestNet.Patience);
            int total = 0;
            int read;
            while ((read = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, timeout.Token)) > 0)
            {
                total += read;
            }
            return total;
        }

        /// <summary>Connections <see cref="ResetAfterRequestsAsync"/> has reset so far.</summary>
        public int ResetCount => Volatile.Read(ref _resets);

        private int _resets;

        /// <summary>
        /// Until disposed: accepts each connection, reads what the client sends first, then resets
        /// it without a byte back (a backend failing before its answer, after the connect succeeded).
        /// </summary>
        public async Task ResetAfterRequestsAsync()
        {
            var scratch = new byte[64 * 1024];
            while (true)
            {
                Socket accepted;
                try
                {
                    accepted = await _listener.AcceptAsync();
                }
                catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
                {
                    return;
                }
                try
                {
                    await accepted.ReceiveAsync(scratch.AsMemory(), SocketFlags.None);
                }
                catch (SocketException)
                {
                }
                accepted.LingerState = new LingerOption(true, 0);
                accepted.Dispose();
                Interlocked.Increment(ref _resets);
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
