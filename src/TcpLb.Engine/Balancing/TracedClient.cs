using System;
using System.Net;
using System.Net.Sockets;
using TcpLb.Engine.Net;
using TcpLb.Engine.Proxying.Loop;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// The client a pipeline decision is about, on either transport: a .NET socket (the stream
    /// path) or an event-loop connection (the loop path). What the decisions ask of it: its address
    /// (for the trace, only when the trace listens), a reset (the stream path's; on the loop the
    /// driver ends the connection after the decision), and whether it reset while it waited.
    /// </summary>
    internal readonly struct TracedClient
    {
        private readonly Socket? _socket;
        private readonly IRelayConnection? _relay;

        private TracedClient(Socket? socket, IRelayConnection? relay)
        {
            _socket = socket;
            _relay = relay;
        }

        public static implicit operator TracedClient(Socket socket) => new TracedClient(socket, null);

        public static TracedClient Of(IRelayConnection relay) => new TracedClient(null, relay);

        /// <summary>The client's address, or null when it is not known any more.</summary>
        public IPEndPoint? EndPoint
        {
            get
            {
                if (_relay != null)
                {
                    return _relay.ClientEndPoint;
                }
                try
                {
                    return _socket?.RemoteEndPoint as IPEndPoint;
                }
                catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
                {
                    return null;
                }
            }
        }

        /// <summary>Resets a stream client now; a loop client is ended by its driver once the decision returns (never inside its own callback).</summary>
        public void Abort() => _socket?.Abort();

        /// <summary>Whether the client reset while nobody served it (a FIN alone is no reset); a loop client: whether it is gone.</summary>
        public bool HasBeenReset => _relay != null ? _relay.ClientHasReset : _socket != null && PeerReset.HasBeenReset(_socket);
    }
}
