using System;
using System.Net.Sockets;
using System.Threading;
using TcpLb.Engine.Balancing.Scheduling;
using TcpLb.Engine.Net;
using TcpLb.Engine.Proxying;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// The decisions of one client connection's attempts, apart from any transport: which pick
    /// comes next (the backends tried are left out), what a failed connect or the end of a relay
    /// means (served, failed, move on with the held bytes, reset the client), and what is counted
    /// (Retried, Redispatched, Served, Failed, the backend's failures). Nothing here waits or moves a
    /// byte, so a Task-based driver (<see cref="ConnectionAttempts"/>) and an event-driven one (the
    /// event loop's observer, docs/design/event-loop.md) run the same pipeline. A struct, kept in
    /// its driver (a field of the loop's client, a local of the Task's): no object per connection.
    /// </summary>
    internal struct AttemptPlan
    {
        private readonly ConnectionAttempts _owner;
        private readonly TcpBalancerOptions _options;
        private readonly TracedClient _client;
        private readonly ulong _clientHash;
        private Backend?[]? _tried;
        private Backend? _movedFrom; // the last backend ended before answering; the connection moves on

        public AttemptPlan(ConnectionAttempts owner, TracedClient client, ulong clientHash, TcpBalancerOptions options)
        {
            _owner = owner;
            _client = client;
            _clientHash = clientHash;
            _options = options;
        }

        /// <summary>0 for the first attempt, then one more for each backend tried.</summary>
        public int Attempt { get; private set; }

        /// <summary>The next pick: any backend the scheduler likes but those tried already.</summary>
        public PickRequest Request => new PickRequest(_clientHash, _tried, Attempt);

        private BalancerStatistics Statistics => _owner.Statistics;

        private ConnectionTracer Trace => _owner.Trace;

        private CancellationToken Stopping => _owner.Stopping;

        /// <summary>A backend was reserved for this attempt: a later attempt counts as a retry, or as a redispatch after a move.</summary>
        public void OnPicked()
        {
            if (Attempt == 0)
            {
                return;
            }
            if (_movedFrom != null)
            {
                Statistics.OnRedispatched();
                _movedFrom.OnRedispatched();
                _movedFrom = null;
            }
            else
            {
                Statistics.OnRetried();
            }
        }

        /// <summary>The connect (or what follows it: the PROXY header, the TLS handshake) failed; the backend's slot is given back.</summary>
        public AttemptStep OnConnectFailed(Backend backend, in BackendConnectResult result)
        {
            _owner.Release(backend);
            backend.OnConnectFailed(_owner.HasProber ? _options.ConnectFailuresBeforeDown : 0, result.ProblemIsBackendError ? result.Problem : null);
            Trace.ConnectFailed(_client, backend, result.EndPoint, result.Error, result.Problem);
            if ((_options.RetryOn & RetryConditions.ConnectFailure) == 0)
            {
                Statistics.OnFailed();
                Trace.NotServed(_client, "the connect failed and RetryOn has no ConnectFailure");
                return AttemptStep.Reset;
            }
            return NextOrGiveUp(backend);
        }

        /// <summary>
        /// How a connection on <paramref name="current"/> may still move if that backend ends
        /// before answering: the replaying <see cref="TcpBalancerOptions.RetryOn"/> conditions, when
        /// an attempt is left and an Up backend is left untried; otherwise none.
        /// </summary>
        public UnansweredEnd MovableEnds(Backend current)
        {
            RetryConditions replay = _options.RetryOn & TcpBalancerOptions.ReplayConditions;
            if (replay == RetryConditions.None || Attempt >= _options.Retries || Stopping.IsCancellationRequested)
            {
                return UnansweredEnd.None;
            }
            foreach (Backend backend in _owner.Pool.Snapshot)
            {
                if (backend.IsUp && !ReferenceEquals(backend, current) && (_tried == null || Array.IndexOf(_tried, backend, 0, Attempt) < 0))
                {
                    return ((replay & RetryConditions.Reset) != 0 ? UnansweredEnd.Reset : UnansweredEnd.None)
                        | ((replay & RetryConditions.EmptyResponse) != 0 ? UnansweredEnd.Close : UnansweredEnd.None)
                        | ((replay & RetryConditions.ResponseTimeout) != 0 ? UnansweredEnd.Timeout : UnansweredEnd.None);
                }
            }
            return UnansweredEnd.None;
        }

        /// <summary>
        /// The relay on <paramref name="backend"/> ended (its slot already given back): over on this
        /// backend (Served: its count and Served agree, whatever ended it), failed before the
        /// server's first byte (Failed), or movable with every client byte held (on to the next).
        /// </summary>
        public AttemptStep OnRelayEnded(Backend backend, ProxyAttemptOutcome outcome, ProxyConnection connection, UnansweredEnd lastEnd, ResetSide reset)
        {
            if (outcome == ProxyAttemptOutcome.Completed)
            {
                connection.CountOnBackend();
                Statistics.OnServed();
                if (reset != ResetSide.None && !connection.Aborted)
                {
                    Trace.ConnectionReset(_client, backend, byBackend: reset == ResetSide.Server);
                }
                return AttemptStep.Done;
            }
            OnFailedBeforeResponse(backend, connection, lastEnd);
            if (outcome == ProxyAttemptOutcome.FailedBeforeResponse)
            {
                // Counted first; the transport resets the client only now.
                Statistics.OnFailed();
                return AttemptStep.Reset;
            }
            _movedFrom = backend;
            if (connection.Aborted)
            {
                Statistics.OnFailed();
                return AttemptStep.Reset;
            }
            Trace.Replaying(_client, backend, Describe(lastEnd));
            return NextOrGiveUp(backend);
        }

        /// <summary>After a failed attempt: the next one, unless the retries ran out or the balancer is stopping (Failed, the client reset).</summary>
        private AttemptStep NextOrGiveUp(Backend backend)
        {
            if (Attempt >= _options.Retries || Stopping.IsCancellationRequested)
            {
                Statistics.OnFailed();
                Trace.NotServed(_client, Stopping.IsCancellationRequested ? "the balancer is stopping" : $"no backend answered within {_options.Retries + 1} attempts");
                _client.Abort();
                return AttemptStep.Reset;
            }
            _tried ??= new Backend?[_options.Retries + 1];
            _tried[Attempt] = backend;
            Attempt++;
            return AttemptStep.Next;
        }

        /// <summary>
        /// Live traffic saw the backend fail before its first byte (a reset within the replay
        /// window, or no answer within the response timeout): counted towards taking it Down. A
        /// clean close and silence are not failures; neither is a connection reset from outside.
        /// </summary>
        private void OnFailedBeforeResponse(Backend backend, ProxyConnection connection, UnansweredEnd end)
        {
            if (connection.Aborted || (end & (UnansweredEnd.Reset | UnansweredEnd.Timeout)) == 0)
            {
                return;
            }
            string what = Describe(end);
            backend.OnUnanswered(_owner.HasProber ? _options.HealthCheck.Fall : 0, what);
            Trace.FailedBeforeResponse(_client, backend, what);
        }

        private string Describe(UnansweredEnd end)
            => end == UnansweredEnd.Timeout
                ? $"no answer within the response timeout of {_options.ResponseTimeout.TotalMilliseconds:0} ms"
                : end == UnansweredEnd.Close ? "closed before its first byte" : "reset before its first byte";
    }
}
