using System.Net;
using System.Net.Sockets;

namespace TcpLb.Engine.Balancing
{
    /// <summary>The default <see cref="IBalancerTrace"/>: says nothing, costs nothing.</summary>
    internal sealed class SilentBalancerTrace : IBalancerTrace
    {
        public static readonly SilentBalancerTrace Instance = new SilentBalancerTrace();

        private SilentBalancerTrace()
        {
        }

        public void ConnectFailed(IPEndPoint? client, BackendAddress backend, IPEndPoint? backendEndPoint, SocketError error, string? problem)
        {
        }

        public void FailedBeforeResponse(IPEndPoint? client, BackendAddress backend, string what)
        {
        }

        public void Replaying(IPEndPoint? client, BackendAddress from, string why)
        {
        }

        public void ConnectionReset(IPEndPoint? client, BackendAddress backend, bool byBackend)
        {
        }

        public void IdleTimedOut(IPEndPoint? client, BackendAddress? backend)
        {
        }

        public void Refused(IPEndPoint? client, string reason)
        {
        }

        public void AbandonedInQueue(IPEndPoint? client)
        {
        }

        public void NotServed(IPEndPoint? client, string reason)
        {
        }
    }
}
