using System.Net.Sockets;
using System.Threading.Tasks;
using TcpLb.Engine.Proxying;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// The stream path's transport seam, one per client connection: <see cref="ConnectionAttempts"/>
    /// decides (pick, attempt, fail over, move), the transport moves bytes and says what happened.
    /// <see cref="SocketConnectionTransport"/> carries plain connections (replay, response timeout,
    /// toxics, PROXY header out); <see cref="TlsConnectionTransport"/> carries TLS on either side.
    /// The Linux event loop's seam (Proxying/Loop/IRelayConnection) is the event-driven form of the
    /// same split (docs/design/event-loop.md).
    /// </summary>
    internal interface IConnectionTransport
    {
        Socket Client { get; }

        /// <summary>The server side of the last successful <see cref="ConnectAsync"/>.</summary>
        Socket? Server { get; }

        /// <summary>Made at the first backend reached (<see cref="Begin"/>); null before.</summary>
        ProxyConnection? Connection { get; }

        /// <summary>How the last server ended before its first byte (None: it answered, or nothing to judge).</summary>
        UnansweredEnd LastEnd { get; }

        /// <summary>Which side reset the last relay, if one did (None, Client or Server).</summary>
        ResetSide LastReset { get; }

        /// <summary>Before the first pick (the client's TLS handshake): false when the client is gone, counted and closed.</summary>
        Task<bool> OpenAsync();

        /// <summary>Opens the server side to <paramref name="backend"/>: connect, then the PROXY header or the backend's TLS handshake.</summary>
        Task<BackendConnectResult> ConnectAsync(Backend backend);

        /// <summary>The first backend reached: makes <see cref="Connection"/> (and draws the toxics, where they apply).</summary>
        ProxyConnection Begin(Backend backend);

        /// <summary>
        /// Relays between the client and <see cref="Server"/> until the connection is over, or until
        /// the server ended before its first byte in one of the ways of <paramref name="moveOn"/>
        /// with every client byte held (<see cref="ProxyAttemptOutcome.Movable"/>: the client stays open).
        /// </summary>
        Task<ProxyAttemptOutcome> RelayAsync(Backend backend, UnansweredEnd moveOn);

        /// <summary>No more servers will be tried: ends the client side (reset when <paramref name="resetClient"/>) and gives resources back.</summary>
        Task EndAsync(bool resetClient);
    }
}
