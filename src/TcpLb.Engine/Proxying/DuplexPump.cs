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
    /// direction still open goes the FIN timeout without a byte (inactivity, as HAProxy's
    /// client-fin/server-fin timeouts). A failure (reset) on either side resets the other.
    /// With a <see cref="PendingResponse"/>, a server that fails before its first byte can be
    /// replaced: <see cref="RunAsync(Socket, UnansweredEnd)"/> returns <see cref="ProxyAttemptOutcome.Movable"/>
    /// with the client still open, and the next call replays the client's bytes to the next server.
    /// The client→server pump runs once for the whole connection, across servers.
    /// </summary>
    internal sealed class DuplexPump
    {
        private readonly Socket _client;
        private readonly Socket? _server;
        private readonly TimeSpan _finTimeout;
        private readonly PendingResponse? _pending;
        private readonly SendWitness _clientSends;
        private readonly SendWitness _serverSends; // across servers: each is told apart by its socket
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
            _clientSends = new SendWitness(finTimeout);
            _serverSends = new SendWitness(finTimeout);
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

        /// <summary>How the last server ended the connection before its first byte (None: it answered, or nothing to judge).</summary>
        internal UnansweredEnd LastEnd { get; private set; }

        /// <summary>How the client→server direction ended in the last call (Finished while it still runs).</summary>
        internal PumpOutcome LastUp { get; private set; }

        /// <summary>How the server→client direction ended in the last call.</summary>
        internal PumpOutcome LastDown { get; private set; }

        /// <summary>
        /// Pumps until the connection is over, then closes both sockets. Aborting either socket
        /// from outside (a stop) ends the pump promptly with both sides reset.
        /// </summary>
        public async Task RunAsync()
        {
            ProxyAttemptOutcome outcome = ProxyAttemptOutcome.Completed;
            try
            {
                outcome = await RunAsync(_server ?? throw new InvalidOperationException("This pump was made without a server."), UnansweredEnd.None).ConfigureAwait(false);
            }
            finally
            {
                await EndAsync(resetClient: outcome == ProxyAttemptOutcome.FailedBeforeResponse).ConfigureAwait(false);
            }
        }

        /// <summary>
        /// Proxies between the client and <paramref name="server"/> (after replaying the held bytes
        /// to it, when the connection has moved) until the connection is over, and closes both
        /// sockets; or, when the server ends before its first byte in one of the ways of
        /// <paramref name="moveOn"/> with every client byte still held, until then: only the server
        /// is closed, and the result is <see cref="ProxyAttemptOutcome.Movable"/>. A reset or a
        /// response timeout before the first byte is <see cref="ProxyAttemptOutcome.FailedBeforeResponse"/>
        /// (a clean close is not a failure: its FIN is passed on). After a FIN from either side the
        /// other direction may go on as long as it keeps moving: the FIN timeout bounds its silence,
        /// not its length. The counters are read at the start of each call.
        /// </summary>
        internal async Task<ProxyAttemptOutcome> RunAsync(Socket server, UnansweredEnd moveOn)
        {
            SocketAwaitableEventArgs downArgs = SocketEventArgsPool.Rent();
            LastEnd = UnansweredEnd.None;
            LastUp = PumpOutcome.Finished;
            LastDown = PumpOutcome.Finished;
            ActivityStamp activity = Activity ??= new ActivityStamp();
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
                        LastEnd = _pending.Cancelled ? UnansweredEnd.None : UnansweredEnd.Reset;
                        if ((moveOn & UnansweredEnd.Reset) != 0 && !_pending.Cancelled)
                        {
                            return ProxyAttemptOutcome.Movable;
                        }
                        if (LastEnd == UnansweredEnd.None)
                        {
                            _client.Abort();
                            return ProxyAttemptOutcome.Completed;
                        }
                        return ProxyAttemptOutcome.FailedBeforeResponse;
                    }
                }
                if (_up == null)
                {
                    _upArgs = SocketEventArgsPool.Rent();
                    _up = StreamPump.RunAsync(_client, server, _upArgs, ClientToServer, ClientToServerTotal, activity, UpShaper, _pending, sourceSends: _clientSends, destinationSends: _serverSends);
                }
                Task<PumpOutcome> up = _up;
                Task<PumpOutcome> down = StreamPump.RunAsync(server, _client, downArgs, ServerToClient, ServerToClientTotal, activity, DownShaper, _pending, sourceIsServer: true, sourceSends: _serverSends, destinationSends: _clientSends);

                if (ReferenceEquals(await Task.WhenAny(up, down).ConfigureAwait(false), up) && !down.IsCompleted)
                {
                    if (up.Result != PumpOutcome.Finished)
                    {
                        LastUp = up.Result;
                        if (up.Result == PumpOutcome.DestinationFailed && _pending != null)
                        {
                            // A send to the server took its reset before its first byte (nothing held
                            // to move): the server's Reset, counted as its failure, whatever the read then sees.
                            LastEnd = _pending.EndBeforeAnswer(reset: true);
                        }
                        ProxyAttemptOutcome failed = AbortAfterAttempt(server);
                        await down.ConfigureAwait(false);
                        return failed;
                    }
                    // The client has sent FIN: the server's direction goes on while it keeps moving.
                    if (!await CompletesBeforeIdleAsync(down, _finTimeout, activity).ConfigureAwait(false))
                    {
                        AbortBoth(server);
                        await down.ConfigureAwait(false);
                        return ProxyAttemptOutcome.Completed;
                    }
                }

                PumpOutcome serverSide = down.Result;
                LastDown = serverSide;
                bool clientFailed = up.IsCompleted && up.Result == PumpOutcome.SourceFailed;
                if (up.IsCompleted)
                {
                    LastUp = up.Result;
                }
                if (_pending != null && serverSide != PumpOutcome.DestinationFailed && !clientFailed)
                {
                    LastEnd = _pending.EndBeforeAnswer(reset: serverSide == PumpOutcome.SourceFailed);
                    if ((LastEnd & moveOn) != 0 && _pending.TryBeginMove())
                    {
                        server.Abort();
                        return ProxyAttemptOutcome.Movable;
                    }
                    if (serverSide == PumpOutcome.Finished && !_pending.Answered)
                    {
                        // The server's FIN before any byte, which the pump left to us: pass it on.
                        _client.TryShutdownSend();
                    }
                }

                bool clean = serverSide == PumpOutcome.Finished && !(_pending?.TimedOut ?? false);
                if (clean && !up.IsCompleted)
                {
                    clean = await CompletesBeforeIdleAsync(up, _finTimeout, activity).ConfigureAwait(false);
                }
                clean = clean && up.IsCompleted && up.Result == PumpOutcome.Finished;
                if (clean)
                {
                    _client.Dispose();
                    server.Dispose();
                }
                else
                {
                    return AbortAfterAttempt(server);
                }
                return FailedOrCompleted();
            }
            finally
            {
                SocketEventArgsPool.Return(downArgs);
            }
        }

        /// <summary>The attempt's outcome once it cannot move: a reset or a response timeout before the first byte is the server's failure.</summary>
        private ProxyAttemptOutcome FailedOrCompleted()
            => (LastEnd & (UnansweredEnd.Reset | UnansweredEnd.Timeout)) != 0 ? ProxyAttemptOutcome.FailedBeforeResponse : ProxyAttemptOutcome.Completed;

        /// <summary>
        /// Resets the attempt that ended abnormally and says how it ended. A failure before the
        /// first byte resets only the server: the caller counts the backend's failure, then resets
        /// the client (<see cref="EndAsync"/>), so a client never sees a reset its count does not
        /// show yet. Anything else resets both sides at once.
        /// </summary>
        private ProxyAttemptOutcome AbortAfterAttempt(Socket server)
        {
            ProxyAttemptOutcome outcome = FailedOrCompleted();
            if (outcome == ProxyAttemptOutcome.FailedBeforeResponse)
            {
                server.Abort();
                UpShaper?.Cancel();
                DownShaper?.Cancel();
            }
            else
            {
                AbortBoth(server);
            }
            return outcome;
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

        /// <summary>
        /// Whether <paramref name="task"/> (the direction still open after a FIN) completes before
        /// the connection goes <paramref name="idleLimit"/> without a byte (infinite: waits for it).
        /// One timer at a time, re-armed for the rest of the limit when bytes moved meanwhile.
        /// </summary>
        internal static async Task<bool> CompletesBeforeIdleAsync(Task task, TimeSpan idleLimit, ActivityStamp activity)
        {
            if (idleLimit == Timeout.InfiniteTimeSpan)
            {
                await task.ConfigureAwait(false);
                return true;
            }
            int limit = (int)Math.Min(int.MaxValue, Math.Max(1, idleLimit.TotalMilliseconds));
            using (var cancel = new CancellationTokenSource())
            {
                int wait = Math.Max(1, limit - activity.IdleMilliseconds);
                while (true)
                {
                    Task winner = await Task.WhenAny(task, Task.Delay(wait, cancel.Token)).ConfigureAwait(false);
                    if (ReferenceEquals(winner, task))
                    {
                        cancel.Cancel();
                        return true;
                    }
                    int idle = activity.IdleMilliseconds;
                    if (idle >= limit)
                    {
                        return task.IsCompleted;
                    }
                    wait = limit - idle;
                }
            }
        }
    }
}
