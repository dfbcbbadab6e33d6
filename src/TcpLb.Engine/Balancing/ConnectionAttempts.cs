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
    /// backend, up to <see cref="TcpBalancerOptions.Retries"/> more times. <see cref="AttemptPlan"/>
    /// decides and counts; the transport moves bytes and says what happened; this class drives the
    /// two with tasks (the portable path).
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

        public BackendPool Pool => _pool;

        public bool HasProber => _balancer.HasProber;

        public void Release(Backend backend) => _picker.Release(backend);

        /// <summary>Runs the connection's attempts until it is over; <see cref="AttemptPlan"/> decides after each one.</summary>
        public async Task RunAsync(IConnectionTransport transport, ProxyHeader? received, TcpBalancerOptions options)
        {
            if (!await transport.OpenAsync().ConfigureAwait(false))
            {
                return;
            }
            Socket client = transport.Client;
            var plan = new AttemptPlan(this, client, _picker.ClientHash(client, received), options);
            bool resetClient = false;
            try
            {
                while (true)
                {
                    PickRequest request = plan.Request;
                    // Before the first backend nothing reads the client, so a reset while queued shows.
                    Backend? backend = _picker.TryReserve(request)
                        ?? await _picker.WaitAsync(request, client, unread: transport.Connection == null, _balancer.Options.QueueTimeout, Stopping).ConfigureAwait(false);
                    if (backend == null)
                    {
                        // A reset tells the client plainly that it was not served.
                        resetClient = true;
                        return;
                    }
                    plan.OnPicked();
                    BackendConnectResult connect = await transport.ConnectAsync(backend).ConfigureAwait(false);
                    AttemptStep step;
                    if (connect.Socket == null)
                    {
                        step = plan.OnConnectFailed(backend, connect);
                    }
                    else
                    {
                        // Awaited first, then the plan told: it is a struct, so no copy of it may be taken across the await.
                        ProxyAttemptOutcome outcome = await ProxyAsync(transport, backend, plan.MovableEnds(backend)).ConfigureAwait(false);
                        step = plan.OnRelayEnded(backend, outcome, transport.Connection!, transport.LastEnd, transport.LastReset);
                    }
                    if (step != AttemptStep.Next)
                    {
                        resetClient = step == AttemptStep.Reset;
                        return;
                    }
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

        public void WarnTls(string message)
        {
            if (_tlsWarnings.TryPass())
            {
                _balancer.RaiseWarning(message + " Further TLS failures within a minute are not reported.");
            }
        }
    }
}
