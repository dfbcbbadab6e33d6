using System;
using System.Net.Sockets;
using System.Threading.Tasks;
using TcpLb.Engine.Balancing.Scheduling;
using TcpLb.Engine.Net;
using TcpLb.Engine.Proxying;
using TcpLb.Engine.Tls;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// Connections with TLS on either side (<see cref="TcpBalancerOptions.Tls"/>,
    /// <see cref="TcpBalancerOptions.BackendTls"/>) take the portable stream path: the client's
    /// handshake first, then a backend picked and connected as on the socket path (connect
    /// failures and failed backend handshakes fail over to the next backend), then
    /// <see cref="TlsDuplexPump"/>. Limits, queues, draining, idle and FIN timeouts (inactivity after
    /// a half-close) apply, and RetryOn's ConnectFailure; replay and the response timeout do not
    /// (a connection stays on the backend it got).
    /// </summary>
    public sealed partial class TcpBalancer
    {
        private readonly WarningGate _tlsWarnings = new WarningGate(TimeSpan.FromMinutes(1));

        private bool UsesTls => _options.Tls != null || _options.BackendTls != null;

        private async Task ConnectAndProxyTlsAsync(Socket client, ProxyHeader? received)
        {
            // One snapshot for the whole connection: a reload meanwhile applies to the next one.
            TcpBalancerOptions options = _options;
            ulong clientHash = _scheduler.UsesClientAddress ? ClientHash(client, received) : 0;
            SecuredSocket clientSide;
            if (options.Tls != null)
            {
                try
                {
                    clientSide = await TlsHandshake.AcceptAsync(client, options.Tls, Stopping).ConfigureAwait(false);
                }
                catch (TlsHandshakeException e)
                {
                    Statistics.OnFailed();
                    WarnTls($"A client connection was closed: {e.Message} (counted in Failed).");
                    return;
                }
            }
            else
            {
                clientSide = SecuredSocket.Plain(client);
            }

            Backend? backend = null;
            ProxyConnection? connection = null;
            try
            {
                SecuredSocket? serverSide = null;
                Backend?[]? tried = null;
                for (int attempt = 0; serverSide == null; attempt++)
                {
                    var request = new PickRequest(clientHash, tried, attempt);
                    backend = TryReserveBackend(request) ?? await WaitForBackendAsync(request, client).ConfigureAwait(false);
                    if (backend == null)
                    {
                        clientSide.Abort();
                        return;
                    }
                    if (attempt > 0)
                    {
                        Statistics.OnRetried();
                    }
                    serverSide = await ConnectSecuredAsync(backend).ConfigureAwait(false);
                    if (serverSide != null)
                    {
                        break;
                    }
                    ReleaseBackend(backend);
                    if (attempt >= options.Retries || Stopping.IsCancellationRequested || (options.RetryOn & RetryConditions.ConnectFailure) == 0)
                    {
                        backend = null;
                        Statistics.OnFailed();
                        clientSide.Abort();
                        return;
                    }
                    tried ??= new Backend?[options.Retries + 1];
                    tried[attempt] = backend;
                    backend = null;
                }

                backend!.OnConnected();
                backend.OnServing(); // a TLS connection never moves: the backend's from its connect
                if (backend.IsBackup)
                {
                    Statistics.OnSentToBackup();
                }
                connection = new ProxyConnection(client, replay: false, watchResponse: false);
                connection.Attach(serverSide!.Socket, backend);
                _connections.Add(connection);
                if (Stopping.IsCancellationRequested || backend.State == BackendState.Disabled)
                {
                    connection.Abort();
                }
                await TlsDuplexPump.RunAsync(clientSide, serverSide, options.FinTimeout, connection, backend.BytesToBackend, Statistics.BytesFromClients, backend.BytesFromBackend, Statistics.BytesFromBackends).ConfigureAwait(false);
                Statistics.OnServed();
            }
            finally
            {
                if (connection != null)
                {
                    _connections.Remove(connection);
                }
                if (backend != null)
                {
                    ReleaseBackend(backend);
                }
            }
        }

        /// <summary>A connection to the backend, with the TLS handshake done when backend TLS is on; null (and the failure counted) otherwise.</summary>
        private async Task<SecuredSocket?> ConnectSecuredAsync(Backend backend)
        {
            int downAfter = _prober != null ? _options.ConnectFailuresBeforeDown : 0;
            Socket? server = await BackendConnector.ConnectAsync(backend, _options.ConnectTimeout, Stopping).ConfigureAwait(false);
            if (server == null)
            {
                backend.OnConnectFailed(downAfter);
                return null;
            }
            BackendTlsOptions? tls = _options.BackendTls;
            if (tls == null)
            {
                return SecuredSocket.Plain(server);
            }
            try
            {
                return await TlsHandshake.ConnectAsync(server, tls.ServerName ?? backend.Address.Host, tls, Stopping).ConfigureAwait(false);
            }
            catch (TlsHandshakeException e)
            {
                backend.OnConnectFailed(downAfter, e.Message);
                WarnTls($"Backend {backend.Address}: {e.Message} (counted in the backend's Failures; see its LastError).");
                return null;
            }
        }

        private void WarnTls(string message)
        {
            if (_tlsWarnings.TryPass())
            {
                Warning?.Invoke(this, new BalancerWarningEventArgs(message + " Further TLS failures within a minute are not reported."));
            }
        }
    }
}
