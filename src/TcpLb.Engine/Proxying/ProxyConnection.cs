using System.Net.Sockets;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Net;

namespace TcpLb.Engine.Proxying
{
    /// <summary>An open proxied connection: both sockets, its backend, its last activity.</summary>
    internal sealed class ProxyConnection : ActivityStamp
    {
        public ProxyConnection(Socket client, Socket server, Backend backend)
        {
            Client = client;
            Server = server;
            Backend = backend;
        }

        public Socket Client { get; }

        public Socket Server { get; }

        public Backend Backend { get; }

        // Links of the intrusive list in ConnectionTable: no allocation to track a connection.
        internal ProxyConnection? Previous;
        internal ProxyConnection? Next;

        /// <summary>Resets both sides.</summary>
        public void Abort()
        {
            Client.Abort();
            Server.Abort();
        }
    }
}
