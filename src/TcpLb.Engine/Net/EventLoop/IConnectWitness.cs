using System.Net;

namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>
    /// Told about each outgoing socket a loop connection opens (the balancer's loop guard records
    /// them): announced between socket() and connect(), so that an accept on any loop that races
    /// the connect finds it (its local port is known from the connect on); issued once connect()
    /// returned; closed just before its descriptor is closed. Loop thread of the connection.
    /// </summary>
    internal interface IConnectWitness
    {
        void Connecting(int fd, IPEndPoint target);

        void Issued(int fd, IPEndPoint target);

        void Closed(int fd);
    }
}
