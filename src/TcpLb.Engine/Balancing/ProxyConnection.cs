using System.Net.Sockets;
using TcpLb.Engine.Proxying;
using TcpLb.Engine.Net;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// An open proxied connection: the client, the server and backend it goes to now (another one
    /// after a redispatch), its last activity, and what it waits for until the server's first byte.
    /// </summary>
    internal class ProxyConnection : ActivityStamp, IResponseObserver
    {
        private volatile Socket? _server;
        private volatile Backend? _backend;
        private volatile bool _aborted;

        /// <param name="replay">Hold the client's bytes until the first answer, so the connection can move.</param>
        /// <param name="watchResponse">Watch the connection until the server's first byte (how it ends before it; the response timeout).</param>
        public ProxyConnection(Socket client, bool replay, bool watchResponse)
        {
            Client = client;
            Pending = replay || watchResponse ? new PendingResponse(replay, this) : null;
        }

        /// <summary>
        /// A connection on the event loop (the loop path's client is one: no second object per
        /// connection): in the table so that a stop or a disabled backend reaches it
        /// (<see cref="Abort"/> posts to its loop); its loop times it out itself (the sweeper skips it).
        /// </summary>
        protected ProxyConnection(Proxying.Loop.IRelayConnection relay)
        {
            Client = null!;
            Relay = relay;
        }

        /// <summary>The stream path's client; null on the loop path (<see cref="Relay"/>).</summary>
        public Socket Client { get; }

        /// <summary>The loop path's connection; null on the stream path.</summary>
        public Proxying.Loop.IRelayConnection? Relay { get; }

        public Socket? Server => _server;

        public Backend? Backend => _backend;

        /// <summary>Null when the connection is neither replayed nor watched (a toxic's).</summary>
        public PendingResponse? Pending { get; }

        /// <summary>Reset from outside (a stop, a disabled backend): it must not move to another server.</summary>
        public bool Aborted => _aborted;

        // Links of the intrusive list in ConnectionTable: no allocation to track a connection.
        internal ProxyConnection? Previous;
        internal ProxyConnection? Next;

        /// <summary>The loop path: the backend it is on now (the server socket is the loop's).</summary>
        public void Attach(Backend backend) => _backend = backend;

        public void Attach(Socket server, Backend backend)
        {
            _backend = backend;
            _server = server;
        }

        /// <summary>Resets both sides.</summary>
        public void Abort()
        {
            _aborted = true;
            // Before the sockets: whichever side's pump ends first, the connection must not move.
            Pending?.Cancel();
            if (Relay != null)
            {
                Relay.RequestAbort();
                return;
            }
            Client.Abort();
            _server?.Abort();
        }

        /// <summary>Whether the backend's TotalConnections has counted this connection (at its first byte, or when it ended there).</summary>
        public bool Counted { get; private set; }

        /// <summary>Counts the connection for the backend it is on now, once.</summary>
        public void CountOnBackend()
        {
            if (!Counted)
            {
                Counted = true;
                _backend?.OnServing();
            }
        }

        void IResponseObserver.OnFirstResponseByte()
        {
            _backend?.OnResponded();
            CountOnBackend();
        }
    }
}
