using System;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Net;

namespace TcpLb.Engine.Proxying
{
    /// <summary>
    /// Carries both directions of a proxied connection at once. A FIN from one side becomes a
    /// send-shutdown on the other; the pair closes when both directions are done, or when the
    /// second direction has not finished within the FIN timeout after the first. A failure
    /// (reset) on either side resets the other.
    /// With a <see cref="PendingResponse"/>, a server that fails before its first byte can be
    /// replaced: <see cref="RunAsync(Socket, bool)"/> returns <see cref="ProxyAttemptOutcome.Movable"/>
    /// with the client still open, and the next call replays the client's bytes to the next server.
    /// The client→server pump runs once for the whole connection, across servers.
    /// </summary>
    public sealed class DuplexPump
    {
        private readonly Socket _client;
        private readonly Socket? _server;
        private readonly TimeSpan _finTimeout;
        private readonly PendingResponse? _pending;
        private SocketAwaitableEventArgs? _upArgs;
        private Task<PumpOutcome>? _up;

        public DuplexPump(Socket client, Socket server, TimeSpan finTimeout)
            : this(client, finTimeout, null)
        {
            _server = server ?? throw new ArgumentNullException(nameof(server));
        }

        internal DuplexPump(Socket client, TimeSpan finTimeout, PendingResponse? pending)
        {
            _client = client ?? throw new ArgumentNullException(nameof(client));
            _finTimeout = finTimeout;
            _pending = pending;
        }

        /// <summary>Stamped whenever bytes move either way (for idle timeouts).</summary>
        public ActivityStamp? Activity { get; set; }

        /// <summary>Counts bytes read from the client (sent to the server).</summary>
        public TrafficCounter? ClientToServer { get; set; }

        public TrafficCounter? ClientToServerTotal { get; set; }

        /// <summary>Counts bytes read from the server (sent to the client).</summary>
        public TrafficCounter? ServerToClient { get; set; }

        public TrafficCounter? ServerToClientTotal { get; set; }

        /// <summary>Shapes the client→server direction (the connection's upstream toxics); null for none.</summary>
        internal IChunkShaper? UpShaper { get; set; }

        /// <summary>Shapes the server→client direction (the connection's downstream toxics); null for none.</summary>
        internal IChunkShaper? DownShaper { get; set; }

        /// <summary>How the server→client direction of the last server ended (a reset or a FIN, for a failure's reason).</summary>
        internal PumpOutcome LastServerSide { get; private set; }

        /// <summary>
        /// Pumps until the connection is over, then closes both sockets. Aborting either socket
        /// from outside (a stop) ends the pump promptly with both sides reset.
        /// </summary>
        public async Task RunAsync()
        {
            try
            {
                await RunAsync(_server ?? throw new InvalidOperationException("This pump was made without a server."), mayMove: false).ConfigureAwait(false);
            }
            finally
            {
                await EndAsync(resetClient: false).ConfigureAwait(false);
            }
        }

        /// <summary>
        /// Proxies between the client and <paramref name="server"/> (after replaying the held bytes
        /// to it, when the connection has moved) until the connection is over, and closes both
        /// sockets; or, when <paramref name="mayMove"/>, until the server fails before its first
        /// byte with every client byte still held: then only the server is closed, and the result
        /// is <see cref="ProxyAttemptOutcome.Movable"/>. The counters are read at the start of each call.
        /// </summary>
        internal async Task<ProxyAttemptOutcome> RunAsync(Socket server, bool mayMove)
        {
            SocketAwaitableEventArgs downArgs = SocketEventArgsPool.Rent();
            try
            {
                if (_pending != null)
                {
                    if (_up == null)
                    {
                        _pending.Attach(server, ClientToServer);
                    }
                    else if (!await _pending.MoveToAsync(server, ClientToServer, downArgs).ConfigureAwait(false))
                    {
                        // The next server failed while taking the replay: the connection is still moving.
                        server.Abort();
                        LastServerSide = PumpOutcome.SourceFailed;
                        if (mayMove)
                        {
                            return ProxyAttemptOutcome.Movable;
                        }
                        _client.Abort();
                        return ProxyAttemptOutcome.FailedBeforeResponse;
                    }
                }
                if (_up == null)
                {
                    _upArgs = SocketEventArgsPool.Rent();
                    _up = StreamPump.RunAsync(_client, server, _upArgs, ClientToServer, ClientToServerTotal, Activity, UpShaper, _pending);
                }
                Task<PumpOutcome> up = _up;
                Task<PumpOutcome> down = StreamPump.RunAsync(server, _client, downArgs, ServerToClient, ServerToClientTotal, Activity, DownShaper, _pending, sourceIsServer: true);

                if (ReferenceEquals(await Task.WhenAny(up, down).ConfigureAwait(false), up) && !down.IsCompleted)
                {
                    if (up.Result != PumpOutcome.Finished)
                    {
                        AbortBoth(server);
                        await down.ConfigureAwait(false);
                        return ProxyAttemptOutcome.Completed;
                    }
                    // The client has sent FIN: wait for the server to finish, within the FIN timeout.
                    if (!await CompletesWithinAsync(down, _finTimeout).ConfigureAwait(false))
                    {
                        AbortBoth(server);
                        await down.ConfigureAwait(false);
                        return ProxyAttemptOutcome.Completed;
                    }
                }

                PumpOutcome serverSide = down.Result;
                LastServerSide = serverSide;
                bool failedEarly = false;
                bool clientFailed = up.IsCompleted && up.Result == PumpOutcome.SourceFailed;
                if (_pending != null && !_pending.Answered && serverSide != PumpOutcome.DestinationFailed && !clientFailed)
                {
                    failedEarly = serverSide == PumpOutcome.SourceFailed || _pending.TimedOut || _pending.EarlyCloseIsFailure;
                    if (failedEarly && mayMove && _pending.TryBeginMove())
                    {
                        server.Abort();
                        return ProxyAttemptOutcome.Movable;
                    }
                    if (serverSide == PumpOutcome.Finished)
                    {
                        // The server's FIN before any byte, which the pump left to us: pass it on.
                        _client.TryShutdownSend();
                    }
                }

                bool clean = serverSide == PumpOutcome.Finished && !(_pending?.TimedOut ?? false);
                if (clean && !up.IsCompleted)
                {
                    clean = await CompletesWithinAsync(up, _finTimeout).ConfigureAwait(false);
                }
                clean = clean && up.IsCompleted && up.Result == PumpOutcome.Finished;
                if (clean)
                {
                    _client.Dispose();
                    server.Dispose();
                }
                else
                {
                    AbortBoth(server);
                }
                return failedEarly ? ProxyAttemptOutcome.FailedBeforeResponse : ProxyAttemptOutcome.Completed;
            }
            finally
            {
                SocketEventArgsPool.Return(downArgs);
            }
        }

        /// <summary>
        /// Ends the connection for good once no more servers will be tried: lets the client→server
        /// pump go (resetting the client first when <paramref name="resetClient"/>, as when a
        /// movable connection found no next server), waits for it and gives its resources back.
        /// </summary>
        internal async Task EndAsync(bool resetClient)
        {
            if (resetClient)
            {
                _client.Abort();
            }
            _pending?.End();
            if (_up != null)
            {
                if (!_up.IsCompleted)
                {
                    // Only a pump whose connection ended abnormally is still reading the client.
                    _client.Abort();
                    UpShaper?.Cancel();
                }
                await _up.ConfigureAwait(false);
                SocketEventArgsPool.Return(_upArgs!);
                _up = null;
                _upArgs = null;
            }
        }

        private void AbortBoth(Socket server)
        {
            _client.Abort();
            server.Abort();
            UpShaper?.Cancel();
            DownShaper?.Cancel();
        }

        /// <summary>Whether the task completes within the timeout (infinite: waits for it).</summary>
        internal static async Task<bool> CompletesWithinAsync(Task task, TimeSpan timeout)
        {
            if (timeout == Timeout.InfiniteTimeSpan)
            {
                await task.ConfigureAwait(false);
                return true;
            }
            using (var cancel = new CancellationTokenSource())
            {
                Task winner = await Task.WhenAny(task, Task.Delay(timeout, cancel.Token)).ConfigureAwait(false);
                cancel.Cancel();
                return ReferenceEquals(winner, task);
            }
        }
    }
}
