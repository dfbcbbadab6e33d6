using System;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Balancing.Scheduling;
using TcpLb.Engine.Net;
using TcpLb.Engine.Proxying;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// The attempt loop, one for plain and TLS connections: pick a backend (at once or after a
    /// queue wait), open a server through the connection's <see cref="IConnectionTransport"/>, relay,
    /// and on a failed connect (RetryOn ConnectFailure) or a server that failed before its first
    /// byte (RetryOn's replaying conditions, with every client byte held) try the next untried
    /// backend, up to <see cref="TcpBalancerOptions.Retries"/> more times. The loop decides and
    /// counts; the transport moves bytes and says what happened.
    /// </summary>
    internal sealed class ConnectionAttempts
    {
        private readonly TcpBalancer _balancer;
        private readonly BackendPicker _picker;
        private readonly BackendPool _pool;
        private readonly ConnectionTable _connections;
        private readonly WarningGate _tlsWarnings = new WarningGate(TimeSpan.FromMinutes(1));

        public ConnectionAttempts(TcpBalancer balancer, BackendPicker picker, BackendPool pool, ConnectionTable connections)
        {
            _balancer = balancer;
            _picker = picker;
            _pool = pool;
            _connections = connections;
        }

        public BalancerStatistics Statistics => _balancer.Statistics;

        public ConnectionTracer Trace => _balancer.Tracer;

        public CancellationToken Stopping => _balancer.StopToken;

        public BalancerToxic[] Toxics => _balancer.ToxicSnapshot;

        /// <summary>The transport for a client: TLS on either side takes the stream path, plain connections the socket path.</summary>
        public IConnectionTransport TransportFor(Socket client, ProxyHeader? received, TcpBalancerOptions options)
            => options.Tls != null || options.BackendTls != null
                ? new TlsConnectionTransport(this, client, options)
                : (IConnectionTransport)new SocketConnectionTransport(this, client, received, options);

        public async Task RunAsync(IConnectionTransport transport, ProxyHeader? received, TcpBalancerOptions options)
        {
            if (!await transport.OpenAsync().ConfigureAwait(false))
            {
                return;
            }
            Socket client = transport.Client;
            Backend?[]? tried = null;
            ulong clientHash = _picker.ClientHash(client, received);
            Backend? movedFrom = null; // the last backend ended before answering; the connection moves on
            bool resetClient = false;
            try
            {
                for (int attempt = 0; ; attempt++)
                {
                    var request = new PickRequest(clientHash, tried, attempt);
                    // Before the first backend nothing reads the client, so a reset while queued shows.
                    Backend? backend = _picker.TryReserve(request)
                        ?? await _picker.WaitAsync(request, client, unread: transport.Connection == null, _balancer.Options.QueueTimeout, Stopping).ConfigureAwait(false);
                    if (backend == null)
                    {
                        // A reset tells the client plainly that it was not served.
                        resetClient = true;
                        return;
                    }
                    if (attempt > 0)
                    {
                        if (movedFrom != null)
                        {
                            Statistics.OnRedispatched();
                            movedFrom.OnRedispatched();
                            movedFrom = null;
                        }
                        else
                        {
                            Statistics.OnRetried();
                        }
                    }
                    BackendConnectResult connect = await transport.ConnectAsync(backend).ConfigureAwait(false);
                    if (connect.Socket == null)
                    {
                        _picker.Release(backend);
                        backend.OnConnectFailed(_balancer.HasProber ? options.ConnectFailuresBeforeDown : 0, connect.ProblemIsBackendError ? connect.Problem : null);
                        Trace.ConnectFailed(client, backend, connect.EndPoint, connect.Error, connect.Problem);
                        if ((options.RetryOn & RetryConditions.ConnectFailure) == 0)
                        {
                            Statistics.OnFailed();
                            Trace.NotServed(client, "the connect failed and RetryOn has no ConnectFailure");
                            resetClient = true;
                            return;
                        }
                    }
                    else
                    {
                        ProxyAttemptOutcome outcome = await ProxyAsync(transport, backend, MovableEnds(options, tried, attempt, backend)).ConfigureAwait(false);
                        ProxyConnection connection = transport.Connection!;
                        if (outcome == ProxyAttemptOutcome.Completed)
                        {
                            // Ended on this backend: its count and Served agree, whatever ended it.
                            connection.CountOnBackend();
                            Statistics.OnServed();
                            TraceReset(transport, connection, backend);
                            return;
                        }
                        OnFailedBeforeResponse(options, backend, connection, transport);
                        if (outcome == ProxyAttemptOutcome.FailedBeforeResponse)
                        {
                            Statistics.OnFailed();
                            return;
                        }
                        movedFrom = backend;
                        if (connection.Aborted)
                        {
                            Statistics.OnFailed();
                            resetClient = true;
                            return;
                        }
                        Trace.Replaying(client, backend, Describe(transport.LastEnd, options));
                    }

                    if (attempt >= options.Retries || Stopping.IsCancellationRequested)
                    {
                        Statistics.OnFailed();
                        Trace.NotServed(client, Stopping.IsCancellationRequested ? "the balancer is stopping" : $"no backend answered within {options.Retries + 1} attempts");
                        resetClient = true;
                        client.Abort();
                        return;
                    }
                    tried ??= new Backend?[options.Retries + 1];
                    tried[attempt] = backend;
                }
            }
            finally
            {
                await transport.EndAsync(resetClient).ConfigureAwait(false);
                if (transport.Connection != null)
                {
                    _connections.Remove(transport.Connection);
                }
            }
        }

        /// <summary>One attempt on a connected server: the connection attached to it, counted when it cannot move, relayed; the backend's slot is given back after.</summary>
        private async Task<ProxyAttemptOutcome> ProxyAsync(IConnectionTransport transport, Backend backend, UnansweredEnd moveOn)
        {
            try
            {
                backend.OnConnected();
                if (backend.IsBackup)
                {
                    Statistics.OnSentToBackup();
                }
                ProxyConnection? connection = transport.Connection;
                if (connection == null)
                {
                    connection = transport.Begin(backend);
                    _connections.Add(connection);
                }
                connection.Attach(transport.Server!, backend);
                if (connection.Pending == null)
                {
                    // Nothing can move this connection: it is the backend's from its connect.
                    connection.CountOnBackend();
                }
                if (Stopping.IsCancellationRequested || backend.State == BackendState.Disabled || connection.Aborted)
                {
                    connection.Abort();
                }
                return await transport.RelayAsync(backend, moveOn).ConfigureAwait(false);
            }
            finally
            {
                _picker.Release(backend);
            }
        }

        /// <summary>
        /// How a connection on <paramref name="current"/> may still move if that backend ends
        /// before answering: the replaying <see cref="TcpBalancerOptions.RetryOn"/> conditions, when
        /// an attempt is left and an Up backend is left untried; otherwise none.
        /// </summary>
        private UnansweredEnd MovableEnds(TcpBalancerOptions options, Backend?[]? tried, int attempt, Backend current)
        {
            RetryConditions replay = options.RetryOn & TcpBalancerOptions.ReplayConditions;
            if (replay == RetryConditions.None || attempt >= options.Retries || Stopping.IsCancellationRequested)
            {
                return UnansweredEnd.None;
            }
            foreach (Backend backend in _pool.Snapshot)
            {
                if (backend.IsUp && !ReferenceEquals(backend, current) && (tried == null || Array.IndexOf(tried, backend, 0, attempt) < 0))
                {
                    return ((replay & RetryConditions.Reset) != 0 ? UnansweredEnd.Reset : UnansweredEnd.None)
                        | ((replay & RetryConditions.EmptyResponse) != 0 ? UnansweredEnd.Close : UnansweredEnd.None)
                        | ((replay & RetryConditions.ResponseTimeout) != 0 ? UnansweredEnd.Timeout : UnansweredEnd.None);
                }
            }
            return UnansweredEnd.None;
        }

        /// <summary>
        /// Live traffic saw the backend fail before its first byte (a reset within the replay
        /// window, or no answer within the response timeout): counted towards taking it Down. A
        /// clean close and silence are not failures; neither is a connection reset from outside.
        /// </summary>
        private void OnFailedBeforeResponse(TcpBalancerOptions options, Backend backend, ProxyConnection connection, IConnectionTransport transport)
        {
            UnansweredEnd end = transport.LastEnd;
            if (connection.Aborted || (end & (UnansweredEnd.Reset | UnansweredEnd.Timeout)) == 0)
            {
                return;
            }
            string what = Describe(end, options);
            backend.OnUnanswered(_balancer.HasProber ? options.HealthCheck.Fall : 0, what);
            Trace.FailedBeforeResponse(transport.Client, backend, what);
        }

        private void TraceReset(IConnectionTransport transport, ProxyConnection connection, Backend backend)
        {
            ResetSide reset = transport.LastReset;
            if (reset != ResetSide.None && !connection.Aborted)
            {
                Trace.ConnectionReset(transport.Client, backend, byBackend: reset == ResetSide.Server);
            }
        }

        private static string Describe(UnansweredEnd end, TcpBalancerOptions options)
            => end == UnansweredEnd.Timeout
                ? $"no answer within the response timeout of {options.ResponseTimeout.TotalMilliseconds:0} ms"
                : end == UnansweredEnd.Close ? "closed before its first byte" : "reset before its first byte";

        public void WarnTls(string message)
        {
            if (_tlsWarnings.TryPass())
            {
                _balancer.RaiseWarning(message + " Further TLS failures within a minute are not reported.");
            }
        }
    }
}
