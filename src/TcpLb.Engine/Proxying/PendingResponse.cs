using System;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Net;

namespace TcpLb.Engine.Proxying
{
    /// <summary>
    /// A proxied connection until its server sends the first byte: since when the client has been
    /// waiting for an answer (for the response timeout), and, with replay, a copy of everything the
    /// client sent so far, so that when the server resets, closes or times out before answering,
    /// the connection can move to another server and the bytes be sent again. While it moves, the
    /// client→server pump waits; the replay goes first, so no byte is lost or reordered. After the
    /// first byte it costs nothing: the copy is released and the pumps no longer ask.
    /// </summary>
    internal sealed class PendingResponse
    {
        private static readonly Task<Socket?> NoServer = Task.FromResult<Socket?>(null);
        private readonly object _lock = new object();
        private readonly IResponseObserver? _observer;
        private ReplayBuffer? _held;
        private Socket? _server; // null while moving to another server
        private TrafficCounter? _serverCounter;
        private TaskCompletionSource<Socket?>? _moved;
        private long _clientBytes;
        private bool _clientFin;
        private bool _ended;
        private volatile bool _cancelled;
        private volatile bool _answered;
        private volatile bool _awaiting;
        private int _awaitingSince;
        private volatile bool _timedOut;

        public PendingResponse(bool replay, IResponseObserver? observer = null)
        {
            _held = replay ? new ReplayBuffer() : null;
            _observer = observer;
        }

        /// <summary>The server has sent a byte on this connection.</summary>
        public bool Answered => _answered;

        /// <summary>The response timeout fired on the current server (or, while moving, on the last one).</summary>
        public bool TimedOut => _timedOut;

        /// <summary>The connection was reset from outside (an idle timeout, a stop, a disabled backend): it must not move.</summary>
        public bool Cancelled => _cancelled;

        /// <summary>
        /// How the server's end before its first byte (a FIN when <paramref name="reset"/> is
        /// false) counts: a response timeout; a reset while the client's bytes fit the replay
        /// window (a reset after more is a connection that was in service, passed on as is); a
        /// clean close (but not after a client's bare FIN: closing is then the natural answer);
        /// or None. Called once the server's side is over.
        /// </summary>
        public UnansweredEnd EndBeforeAnswer(bool reset)
        {
            lock (_lock)
            {
                if (_cancelled || _answered)
                {
                    return UnansweredEnd.None;
                }
                if (_timedOut)
                {
                    return UnansweredEnd.Timeout;
                }
                if (reset)
                {
                    return _clientBytes <= ReplayBuffer.Capacity ? UnansweredEnd.Reset : UnansweredEnd.None;
                }
                return _clientBytes > 0 || !_clientFin ? UnansweredEnd.Close : UnansweredEnd.None;
            }
        }

        /// <summary>Whether every byte the client sent is still held, so the connection could move now.</summary>
        public bool CanReplay
        {
            get
            {
                lock (_lock)
                {
                    return IsHolding;
                }
            }
        }

        /// <summary>Test hook: whether a pooled array is held now.</summary>
        internal bool HoldsBuffer
        {
            get
            {
                lock (_lock)
                {
                    return _held?.HoldsArray ?? false;
                }
            }
        }

        private bool IsHolding => _held != null && !_held.Overflowed && !_answered && !_ended && !_cancelled;

        /// <summary>The first server of the connection.</summary>
        public void Attach(Socket server, TrafficCounter? serverCounter)
        {
            lock (_lock)
            {
                _server = server;
                _serverCounter = serverCounter;
            }
        }

        /// <summary>
        /// The server failed before its first byte: true (and the connection is moving, the
        /// client→server pump holds still) when every byte the client sent is held; false when
        /// the connection cannot move.
        /// </summary>
        public bool TryBeginMove()
        {
            lock (_lock)
            {
                if (!IsHolding)
                {
                    return false;
                }
                _server = null;
                _serverCounter = null;
                _awaiting = false;
                return true;
            }
        }

        /// <summary>
        /// After <see cref="TryBeginMove"/>: sends the held bytes (and FIN) to the new server, then
        /// lets the client→server pump go on to it. False when sending failed (the new server failed
        /// too; the connection is still moving).
        /// </summary>
        public async Task<bool> MoveToAsync(Socket server, TrafficCounter? serverCounter, SocketAwaitableEventArgs args)
        {
            // While moving, nothing else touches the held bytes: the client→server pump waits and
            // the new server's reads have not started.
            ReplayBuffer held = _held!;
            try
            {
                await held.SendToAsync(server, args).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
            {
                return false;
            }
            serverCounter?.Add(held.Count);
            TaskCompletionSource<Socket?>? moved;
            lock (_lock)
            {
                if (_ended)
                {
                    return false;
                }
                _server = server;
                _serverCounter = serverCounter;
                _timedOut = false;
                if (held.Count > 0)
                {
                    StartAwaiting();
                }
                moved = _moved;
                _moved = null;
            }
            moved?.TrySetResult(server);
            return true;
        }

        /// <summary>
        /// The client→server pump read <paramref name="count"/> bytes (0: the client's FIN) and is
        /// about to forward them: holds a copy while it may be replayed, and says where to send.
        /// </summary>
        public ForwardStep Forward(byte[] buffer, int count)
        {
            lock (_lock)
            {
                if (_ended)
                {
                    return new ForwardStep(null, null, ForwardState.Ended);
                }
                if (_server == null)
                {
                    return new ForwardStep(null, null, ForwardState.Moving);
                }
                if (count > 0)
                {
                    _clientBytes += count;
                    if (!_answered && !_awaiting)
                    {
                        // Only bytes wait for an answer: a bare FIN asks for none.
                        StartAwaiting();
                    }
                }
                else
                {
                    _clientFin = true;
                }
                if (IsHolding)
                {
                    if (count > 0)
                    {
                        _held!.TryAppend(buffer, 0, count);
                    }
                    else
                    {
                        _held!.AppendFin();
                    }
                }
                return new ForwardStep(_server, _serverCounter, IsHolding ? ForwardState.Held : ForwardState.Settled);
            }
        }

        /// <summary>
        /// Waits until the connection has moved to a server other than <paramref name="failed"/>
        /// (the replay done); null when the connection ended instead.
        /// </summary>
        public Task<Socket?> WaitForNextServerAsync(Socket? failed)
        {
            lock (_lock)
            {
                if (_ended)
                {
                    return NoServer;
                }
                if (_server != null && !ReferenceEquals(_server, failed))
                {
                    return Task.FromResult<Socket?>(_server);
                }
                _moved ??= new TaskCompletionSource<Socket?>(TaskCreationOptions.RunContinuationsAsynchronously);
                return _moved.Task;
            }
        }

        /// <summary>The server's counter for bytes forwarded to <paramref name="server"/>, once moved there.</summary>
        public TrafficCounter? CounterFor(Socket server)
        {
            lock (_lock)
            {
                return ReferenceEquals(_server, server) ? _serverCounter : null;
            }
        }

        /// <summary>
        /// Forwarding held bytes to <paramref name="server"/> failed: reset it, so that its read side
        /// ends at once and the connection can move.
        /// </summary>
        public void OnForwardFailed(Socket server) => server.Abort();

        /// <summary>The server's first byte: the held copy is released, the wait is over.</summary>
        public void OnFirstResponseByte()
        {
            lock (_lock)
            {
                _answered = true;
                _awaiting = false;
                _held?.Release();
            }
            _observer?.OnFirstResponseByte();
        }

        /// <summary>
        /// Whether the client's bytes have waited <paramref name="limitMilliseconds"/> or more for an
        /// answer: since they reached this server, and since the client last sent (until the first
        /// answer every byte that moves is the client's, so <paramref name="idleMilliseconds"/>, the
        /// time since bytes last moved, says that). A client that is still sending (an upload) is
        /// not kept waiting.
        /// </summary>
        public bool IsOverdue(int idleMilliseconds, int limitMilliseconds)
            => _awaiting
                && idleMilliseconds >= limitMilliseconds
                && unchecked(Environment.TickCount - Volatile.Read(ref _awaitingSince)) >= limitMilliseconds;

        /// <summary>The response timeout fired: resets the current server, as if it had failed.</summary>
        public void TimeOut()
        {
            Socket? server;
            lock (_lock)
            {
                if (!_awaiting || _answered)
                {
                    return;
                }
                _timedOut = true;
                _awaiting = false;
                server = _server;
            }
            server?.Abort();
        }

        /// <summary>
        /// The connection is being reset from outside: it will not move (a server that ends
        /// meanwhile is not the server's failure), and its response timeout stops.
        /// </summary>
        public void Cancel()
        {
            lock (_lock)
            {
                _cancelled = true;
                _awaiting = false;
            }
        }

        /// <summary>The connection is over: the copy is released and a waiting pump let go.</summary>
        public void End()
        {
            TaskCompletionSource<Socket?>? moved;
            lock (_lock)
            {
                _ended = true;
                _awaiting = false;
                _held?.Release();
                moved = _moved;
                _moved = null;
            }
            moved?.TrySetResult(null);
        }

        private void StartAwaiting()
        {
            Volatile.Write(ref _awaitingSince, Environment.TickCount);
            _awaiting = true;
        }

        internal enum ForwardState
        {
            /// <summary>Send to the server given; a copy is held, so it may still change.</summary>
            Held,

            /// <summary>Send to the server given; it will not change any more.</summary>
            Settled,

            /// <summary>The connection is moving: wait for the next server, then ask again.</summary>
            Moving,

            /// <summary>The connection is over.</summary>
            Ended,
        }

        internal readonly struct ForwardStep
        {
            public ForwardStep(Socket? server, TrafficCounter? counter, ForwardState state)
            {
                Server = server;
                Counter = counter;
                State = state;
            }

            public Socket? Server { get; }

            public TrafficCounter? Counter { get; }

            public ForwardState State { get; }
        }
    }
}
