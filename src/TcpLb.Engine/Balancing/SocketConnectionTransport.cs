using System;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using TcpLb.Engine.Net;
using TcpLb.Engine.Proxying;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// A plain client connection on the socket path: <see cref="DuplexPump"/> carries it, a
    /// <see cref="PendingResponse"/> watches it until the server's first byte (holding the client's
    /// bytes for a replay when <see cref="TcpBalancerOptions.Replay"/> is on), the backend's PROXY
    /// header goes first on each server, and the toxics drawn at the first backend shape it. The
    /// client→server pump runs once for the whole connection, across servers.
    /// </summary>
    internal sealed class SocketConnectionTransport : IConnectionTransport
    {
        private readonly ConnectionAttempts _attempts;
        private readonly TcpBalancerOptions _options;
        private readonly ProxyHeader? _received;
        private OutgoingProxyHeaders? _proxyHeaders;
        private DuplexPump? _pump;
        private ToxicSession? _session;

        public SocketConnectionTransport(ConnectionAttempts attempts, Socket client, ProxyHeader? received, TcpBalancerOptions options)
        {
            _attempts = attempts;
            Client = client;
            _received = received;
            _options = options;
        }

        public Socket Client { get; }

        public Socket? Server { get; private set; }

        public ProxyConnection? Connection { get; private set; }

        public UnansweredEnd LastEnd => _pump?.LastEnd ?? UnansweredEnd.None;

        public ResetSide LastReset
        {
            get
            {
                if (_pump == null)
                {
                    return ResetSide.None;
                }
                if (_pump.LastUp == PumpOutcome.SourceFailed || _pump.LastDown == PumpOutcome.DestinationFailed)
                {
                    return ResetSide.Client;
                }
                return _pump.LastDown == PumpOutcome.SourceFailed || _pump.LastUp == PumpOutcome.DestinationFailed ? ResetSide.Server : ResetSide.None;
            }
        }

        public Task<bool> OpenAsync() => TaskResults.True;

        public async Task<BackendConnectResult> ConnectAsync(Backend backend)
        {
            BackendConnectResult result = await BackendConnector.ConnectAsync(backend, _options.ConnectTimeout, _attempts.Stopping).ConfigureAwait(false);
            Socket? server = result.Socket;
            if (server != null && !TrySendProxyHeader(server, backend))
            {
                return new BackendConnectResult(null, result.EndPoint, SocketError.Success, "the backend closed before its PROXY header could be sent");
            }
            Server = server;
            return result;
        }

        public ProxyConnection Begin(Backend backend)
        {
            // Drawn once, at the first backend reached: a toxic is the path's fault, so a
            // connection it touches is neither replayed nor watched before the first byte.
            BalancerToxic[] toxics = _attempts.Toxics;
            _session = toxics.Length == 0 ? null : ToxicSession.TryCreate(toxics, backend, _attempts.Stopping);
            bool plain = _session == null;
            // Watched until the first byte whatever the settings: a reset before it is a
            // failure of the backend, and a connection that may move is not yet the backend's.
            var connection = new ProxyConnection(Client, _options.Replay && plain, watchResponse: plain);
            Connection = connection;
            _pump = new DuplexPump(Client, _options.FinTimeout, connection.Pending)
            {
                Activity = connection,
                ClientToServerTotal = _attempts.Statistics.BytesFromClients,
                ServerToClientTotal = _attempts.Statistics.BytesFromBackends,
            };
            if (_session != null)
            {
                _attempts.Statistics.OnToxicApplied();
                connection.Attach(Server!, backend);
                _session.Start(connection, _pump);
            }
            return connection;
        }

        public Task<ProxyAttemptOutcome> RelayAsync(Backend backend, UnansweredEnd moveOn)
        {
            DuplexPump pump = _pump!;
            pump.ClientToServer = backend.BytesToBackend;
            pump.ServerToClient = backend.BytesFromBackend;
            return pump.RunAsync(Server!, moveOn);
        }

        public async Task EndAsync(bool resetClient)
        {
            try
            {
                if (_pump != null)
                {
                    await _pump.EndAsync(resetClient).ConfigureAwait(false);
                }
                else if (resetClient)
                {
                    Client.Abort();
                }
            }
            finally
            {
                _session?.Dispose();
            }
        }

        /// <summary>
        /// Sends the backend's PROXY header (its own version, else the balancer's) on a fresh
        /// connection: the client as the proxy in front saw it, or as this listener sees it.
        /// False when the backend is already gone (the socket is closed then).
        /// </summary>
        private bool TrySendProxyHeader(Socket server, Backend backend)
        {
            ProxyProtocolVersion version = backend.SendProxyProtocol ?? _options.SendProxyProtocol;
            if (version == ProxyProtocolVersion.None)
            {
                return true;
            }
            _proxyHeaders ??= new OutgoingProxyHeaders(_received?.Source ?? Client.RemoteEndPoint as IPEndPoint, _received?.Destination ?? Client.LocalEndPoint as IPEndPoint);
            byte[]? header = _proxyHeaders.For(version);
            return header == null || TrySend(server, header);
        }

        /// <summary>Sends the PROXY header on a fresh backend connection; false (the socket closed) when the backend is already gone.</summary>
        private static bool TrySend(Socket server, byte[] header)
        {
            try
            {
                // A few dozen bytes into an empty send buffer: completes at once.
                if (server.Send(header) == header.Length)
                {
                    return true;
                }
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
            server.Abort();
            return false;
        }
    }
}
