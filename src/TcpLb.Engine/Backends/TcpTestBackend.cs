using System;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Net;
using TcpLb.Engine.Proxying;

namespace TcpLb.Engine.Backends
{
    /// <summary>
    /// A backend for tests and demos. Identify mode answers "Response from server running on
    /// port N" once the client has sent something (or FIN), then closes; Echo mode returns every
    /// byte unchanged.
    /// </summary>
    public sealed class TcpTestBackend : TcpServer
    {
        /// <summary>The reply's fixed part; the port number follows it.</summary>
        public const string ReplyPrefix = "Response from server running on port ";

        // Identify mode only needs to know that the request arrived, not what it said, so
        // every connection reads into this one scratch buffer and nothing is rented.
        private static readonly byte[] Discard = new byte[16 * 1024];

        private readonly TcpTestBackendOptions _options;
        private byte[] _reply = Array.Empty<byte>();
        private long _accepted;

        public TcpTestBackend(TcpTestBackendOptions options)
            : base((options ?? throw new ArgumentNullException(nameof(options))).ListenAddress, options.Port)
        {
            _options = options;
        }

        public TcpBackendMode Mode => _options.Mode;

        /// <summary>Connections accepted since the backend started.</summary>
        public long ConnectionsAccepted => Volatile.Read(ref _accepted);

        /// <summary>The reply line for a given port, as Identify mode sends it (with a trailing newline).</summary>
        public static string ReplyFor(int port) => ReplyPrefix + port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        protected override void OnStarted() => _reply = Encoding.ASCII.GetBytes(ReplyFor(Port) + "\n");

        protected override async Task HandleConnectionAsync(Socket socket)
        {
            Interlocked.Increment(ref _accepted);
            socket.NoDelay = true;
            SocketAwaitableEventArgs args = SocketEventArgsPool.Rent();
            CancellationTokenRegistration onStop = Stopping.Register(AbortSocket, socket);
            try
            {
                if (_options.Mode == TcpBackendMode.Echo)
                {
                    PumpOutcome outcome = await StreamPump.RunAsync(socket, socket, args, null, null);
                    if (outcome != PumpOutcome.Finished)
                    {
                        socket.Abort();
                    }
                }
                else
                {
                    await IdentifyAsync(socket, args);
                }
            }
            catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
            {
                socket.Abort();
            }
            finally
            {
                onStop.Dispose();
                socket.Dispose();
                SocketEventArgsPool.Return(args);
            }
        }

        private async Task IdentifyAsync(Socket socket, SocketAwaitableEventArgs args)
        {
            await socket.WaitForDataAsync(args);
            int read = await socket.ReceiveAsync(args, Discard, 0, Discard.Length);
            await socket.SendAllAsync(args, _reply, 0, _reply.Length);
            socket.Shutdown(SocketShutdown.Send);

            // Read what else the client sends until its FIN, so closing does not turn unread
            // bytes into a reset; give up after the linger timeout.
            using (var linger = new CancellationTokenSource(_options.LingerTimeout))
            using (linger.Token.Register(AbortSocket, socket))
            {
                while (read > 0)
                {
                    await socket.WaitForDataAsync(args);
                    read = await socket.ReceiveAsync(args, Discard, 0, Discard.Length);
                }
            }
        }

        private static void AbortSocket(object? state) => ((Socket)state!).Abort();
    }
}
