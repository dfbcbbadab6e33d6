using System;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Access;
using TcpLb.Engine.Net;
using TcpLb.Engine.Proxying;

namespace TcpLb.Engine.Backends
{
    /// <summary>
    /// A backend for tests and demos. Identify mode answers "Response from server running on
    /// port N" once the client has sent something (or FIN), then closes; Echo mode returns every
    /// byte unchanged. Its <see cref="Behavior"/> injects faults, latency and bandwidth limits,
    /// and can be changed while it runs, so a test can break and heal it.
    /// </summary>
    public sealed partial class TcpTestBackend : TcpServer
    {
        /// <summary>The reply's fixed part; the port number follows it.</summary>
        public const string ReplyPrefix = "Response from server running on port ";

        // Identify mode only needs to know that the request arrived, not what it said, so
        // every connection reads into this one scratch buffer and nothing is rented. The faults
        // that swallow what the client sends read into it too.
        private static readonly byte[] Discard = new byte[16 * 1024];

        private readonly TcpTestBackendOptions _options;
        private readonly object _acceptGate = new object();
        private readonly long[] _acceptedByFault = new long[Enum.GetValues(typeof(TcpBackendFault)).Length];
        private byte[] _reply = Array.Empty<byte>();
        private long _accepted;
        private long _denied;
        private long _badProxyHeaders;
        private readonly AccessRules _access;

        public TcpTestBackend(TcpTestBackendOptions options)
            : base((options ?? throw new ArgumentNullException(nameof(options))).ListenAddress, options.Port)
        {
            _options = options;
            try
            {
                _access = AccessRules.Create(options.AllowFrom, options.DenyFrom);
            }
            catch (FormatException e)
            {
                throw new ArgumentException(e.Message, nameof(options), e);
            }
            Behavior = (options.Behavior ?? new TcpBackendBehavior()).Clone();
            Behavior.Changed += (sender, e) => SyncAccepting();
            SyncAccepting();
        }

        public TcpBackendMode Mode => _options.Mode;

        /// <summary>
        /// The fault, latency and bandwidth limit in force. Change it at any time: new
        /// connections get the change at once, open ones get new latency and bandwidth from their
        /// next chunk, and <see cref="TcpBackendFault.Refuse"/> stops listening (keeping the port)
        /// before the setter returns.
        /// </summary>
        public TcpBackendBehavior Behavior { get; }

        /// <summary>The -AllowFrom / -DenyFrom rules, with their counters.</summary>
        public AccessRules Access => _access;

        /// <summary>Connections reset at accept by an access rule (not counted in <see cref="ConnectionsAccepted"/>).</summary>
        public long ConnectionsDenied => Volatile.Read(ref _denied);

        /// <summary>Connections reset because their PROXY header (AcceptProxyProtocol) was missing or malformed.</summary>
        public long BadProxyHeaders => Volatile.Read(ref _badProxyHeaders);

        /// <summary>The client of the last connection whose PROXY header carried an address (null before the first).</summary>
        internal ProxyHeader? LastProxyHeader => Volatile.Read(ref _lastProxyHeader);

        private ProxyHeader? _lastProxyHeader;

        /// <summary>Connections accepted since the backend started.</summary>
        public long ConnectionsAccepted => Volatile.Read(ref _accepted);

        /// <summary>
        /// Connections accepted while <paramref name="fault"/> was in force. Refused connections
        /// never reach the backend; under Refuse this counts the few accepted just before the
        /// listener stopped, which are reset.
        /// </summary>
        public long ConnectionsAcceptedWith(TcpBackendFault fault)
            => (int)fault >= 0 && (int)fault < _acceptedByFault.Length ? Volatile.Read(ref _acceptedByFault[(int)fault]) : 0;

        /// <summary>Changes the settings given and leaves the others; see <see cref="TcpBackendBehavior.Set"/>.</summary>
        public void SetBehavior(TcpBackendFault? fault = null, TimeSpan? latency = null, TimeSpan? jitter = null, long? bandwidthBytesPerSecond = null)
            => Behavior.Set(fault, latency, jitter, bandwidthBytesPerSecond);

        /// <summary>The reply line for a given port, as Identify mode sends it (with a trailing newline).</summary>
        public static string ReplyFor(int port) => ReplyPrefix + port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>The reply line with the client's address, as Identify mode sends it with ReportClient.</summary>
        public static string ReplyFor(int port, System.Net.IPEndPoint client) => ReplyFor(port) + ClientSeparator + Endpoints.Format(Unmapped(client));

        /// <summary>What separates the port from the client's address in a reply with ReportClient.</summary>
        public const string ClientSeparator = " for ";

        private static System.Net.IPEndPoint Unmapped(System.Net.IPEndPoint endPoint)
            => endPoint.Address.IsIPv4MappedToIPv6 ? new System.Net.IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;

        protected override void OnStarted() => _reply = Encoding.ASCII.GetBytes(ReplyFor(Port) + "\n");

        protected override async Task HandleConnectionAsync(Socket socket)
        {
            System.Net.IPEndPoint? client = socket.RemoteEndPoint as System.Net.IPEndPoint;
            if (_options.AcceptProxyProtocol)
            {
                ProxyParseResult header = await ProxyHeaderReader.ReadAsync(socket, _options.ProxyHeaderTimeout, Stopping).ConfigureAwait(false);
                if (header.Status != ProxyParseStatus.Complete)
                {
                    Interlocked.Increment(ref _badProxyHeaders);
                    socket.Abort();
                    return;
                }
                if (header.Header!.Source != null)
                {
                    client = header.Header.Source;
                    Volatile.Write(ref _lastProxyHeader, header.Header);
                }
            }
            if (!_access.IsEmpty && client != null && !_access.Admits(AddressBits.From(client.Address)))
            {
                Interlocked.Increment(ref _denied);
                socket.Abort();
                socket.Dispose();
                return;
            }
            Interlocked.Increment(ref _accepted);
            TcpBackendBehavior.Snapshot behavior = Behavior.Current;
            Interlocked.Increment(ref _acceptedByFault[(int)behavior.Fault]);
            socket.NoDelay = true;
            SocketAwaitableEventArgs args = SocketEventArgsPool.Rent();
            CancellationTokenRegistration onStop = Stopping.Register(AbortSocket, socket);
            try
            {
                switch (behavior.Fault)
                {
                    case TcpBackendFault.None when _options.Tls != null:
                        await ServeTlsAsync(socket).ConfigureAwait(false);
                        break;
                    case TcpBackendFault.None:
                        if (_options.Mode == TcpBackendMode.Echo)
                        {
                            PumpOutcome outcome = await StreamPump.RunAsync(socket, socket, args, null, null, shaper: new BehaviorShaper(Behavior, Stopping));
                            if (outcome != PumpOutcome.Finished)
                            {
                                socket.Abort();
                            }
                        }
                        else
                        {
                            await IdentifyAsync(socket, args, _options.ReportClient && client != null ? Encoding.ASCII.GetBytes(ReplyFor(Port, client) + "\n") : _reply);
                        }
                        break;
                    case TcpBackendFault.Close:
                        socket.Shutdown(SocketShutdown.Send);
                        await DiscardUntilClosedAsync(socket, args, _options.LingerTimeout);
                        break;
                    case TcpBackendFault.Blackhole:
                        await DiscardUntilClosedAsync(socket, args, Timeout.InfiniteTimeSpan);
                        // The client's FIN: maybe a half-close, the client still waiting. Hold on a while.
                        await Task.Delay(_options.BlackholeTimeout, Stopping).ConfigureAwait(false);
                        socket.Abort();
                        break;
                    default:
                        // Reset, and Refuse for a connection accepted just before the listener stopped.
                        socket.Abort();
                        break;
                }
            }
            catch (Exception e) when (e is SocketException || e is ObjectDisposedException || e is OperationCanceledException)
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

        private async Task IdentifyAsync(Socket socket, SocketAwaitableEventArgs args, byte[] reply)
        {
            await socket.WaitForDataAsync(args);
            int read = await socket.ReceiveAsync(args, Discard, 0, Discard.Length);
            Task? shaped = Behavior.Current.IsShaped ? new BehaviorShaper(Behavior, Stopping).TrySendShapedAsync(socket, args, reply, reply.Length) : null;
            await (shaped ?? socket.SendAllAsync(args, reply, 0, reply.Length)).ConfigureAwait(false);
            socket.Shutdown(SocketShutdown.Send);

            // Read what else the client sends until its FIN, so closing does not turn unread
            // bytes into a reset; give up after the linger timeout.
            if (read > 0)
            {
                await DiscardUntilClosedAsync(socket, args, _options.LingerTimeout);
            }
        }

        /// <summary>
        /// Reads and drops what the client sends until its FIN; after <paramref name="limit"/>
        /// (unless infinite) the connection is aborted instead.
        /// </summary>
        private static async Task DiscardUntilClosedAsync(Socket socket, SocketAwaitableEventArgs args, TimeSpan limit)
        {
            using (var linger = limit == Timeout.InfiniteTimeSpan ? null : new CancellationTokenSource(limit))
            using (linger?.Token.Register(AbortSocket, socket))
            {
                int read;
                do
                {
                    await socket.WaitForDataAsync(args);
                    read = await socket.ReceiveAsync(args, Discard, 0, Discard.Length);
                }
                while (read > 0);
            }
        }

        /// <summary>Listens while the fault is anything but Refuse; the port stays bound either way.</summary>
        private void SyncAccepting()
        {
            lock (_acceptGate)
            {
                if (Behavior.Fault == TcpBackendFault.Refuse)
                {
                    PauseAccepting();
                }
                else
                {
                    ResumeAccepting();
                }
            }
        }

        private static void AbortSocket(object? state) => ((Socket)state!).Abort();
    }
}
