using System.Net.Sockets;
using TcpLb.Engine.Net;
using System.Threading.Tasks;
using TcpLb.Engine.Proxying;
using TcpLb.Engine.Tls;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// A connection with TLS on either side (<see cref="TcpBalancerOptions.Tls"/>,
    /// <see cref="TcpBalancerOptions.BackendTls"/>), on the portable stream path: the client's
    /// handshake first, then each server's connect and handshake (a failed handshake is a failed
    /// connect: the connection fails over), then <see cref="TlsDuplexPump"/>. Idle and FIN timeouts
    /// (inactivity after a half-close) apply; replay, the response timeout, the PROXY header out and
    /// toxics do not: a connection is its backend's from the connect and never moves.
    /// </summary>
    internal sealed class TlsConnectionTransport : IConnectionTransport
    {
        private readonly ConnectionAttempts _attempts;
        private readonly TcpBalancerOptions _options;
        private SecuredSocket? _clientSide;
        private SecuredSocket? _serverSide;
        private ResetSide _lastReset;

        public TlsConnectionTransport(ConnectionAttempts attempts, Socket client, TcpBalancerOptions options)
        {
            _attempts = attempts;
            Client = client;
            _options = options;
        }

        public Socket Client { get; }

        public Socket? Server => _serverSide?.Socket;

        public ProxyConnection? Connection { get; private set; }

        public UnansweredEnd LastEnd => UnansweredEnd.None;

        public ResetSide LastReset => _lastReset;

        public async Task<bool> OpenAsync()
        {
            if (_options.Tls == null)
            {
                _clientSide = SecuredSocket.Plain(Client);
                return true;
            }
            try
            {
                _clientSide = await TlsHandshake.AcceptAsync(Client, _options.Tls, _attempts.Stopping).ConfigureAwait(false);
                return true;
            }
            catch (TlsHandshakeException e)
            {
                _attempts.Statistics.OnFailed();
                _attempts.Trace.Refused(Client, e.Message);
                _attempts.WarnTls($"A client connection was closed: {e.Message} (counted in Failed).");
                return false;
            }
        }

        /// <summary>A connection to the backend, with the TLS handshake done when backend TLS is on.</summary>
        public async Task<BackendConnectResult> ConnectAsync(Backend backend)
        {
            BackendConnectResult result = await BackendConnector.ConnectAsync(backend, _options.ConnectTimeout, _attempts.Stopping).ConfigureAwait(false);
            Socket? server = result.Socket;
            if (server == null)
            {
                return result;
            }
            BackendTlsOptions? tls = _options.BackendTls;
            if (tls == null)
            {
                _serverSide = SecuredSocket.Plain(server);
                return result;
            }
            try
            {
                _serverSide = await TlsHandshake.ConnectAsync(server, tls.ServerName ?? backend.Address.Host, tls, _attempts.Stopping).ConfigureAwait(false);
                return result;
            }
            catch (TlsHandshakeException e)
            {
                _attempts.WarnTls($"Backend {backend.Address}: {e.Message} (counted in the backend's Failures; see its LastError).");
                return new BackendConnectResult(null, result.EndPoint, SocketError.Success, e.Message, problemIsBackendError: true);
            }
        }

        public ProxyConnection Begin(Backend backend)
        {
            Connection = new ProxyConnection(Client, replay: false, watchResponse: false);
            return Connection;
        }

        public async Task<ProxyAttemptOutcome> RelayAsync(Backend backend, UnansweredEnd moveOn)
        {
            TlsRelayEnd end = await TlsDuplexPump.RelayAsync(_clientSide!, _serverSide!, _options.FinTimeout, Connection, backend.BytesToBackend, _attempts.Statistics.BytesFromClients, backend.BytesFromBackend, _attempts.Statistics.BytesFromBackends).ConfigureAwait(false);
            _lastReset = end == TlsRelayEnd.ClientFailed ? ResetSide.Client : end == TlsRelayEnd.ServerFailed ? ResetSide.Server : ResetSide.None;
            return ProxyAttemptOutcome.Completed;
        }

        public Task EndAsync(bool resetClient)
        {
            if (resetClient)
            {
                if (_clientSide != null)
                {
                    _clientSide.Abort();
                }
                else
                {
                    Client.Abort();
                }
            }
            return Task.CompletedTask;
        }
    }
}
