using System;
using System.Net;
using System.Net.Sockets;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// The balancer's side of <see cref="IBalancerTrace"/>: asks nothing of a connection (not even
    /// its address) while the trace is silent, and drops what a trace throws.
    /// </summary>
    internal sealed class ConnectionTracer
    {
        private volatile IBalancerTrace _trace = SilentBalancerTrace.Instance;

        public IBalancerTrace Target
        {
            get => _trace;
            set => _trace = value ?? SilentBalancerTrace.Instance;
        }

        private bool Silent => ReferenceEquals(_trace, SilentBalancerTrace.Instance);

        public void ConnectFailed(Socket client, Backend backend, IPEndPoint? endPoint, SocketError error, string? problem)
        {
            if (!Silent)
            {
                Run(t => t.ConnectFailed(AddressOf(client), backend.Address, endPoint, error, problem));
            }
        }

        public void FailedBeforeResponse(Socket client, Backend backend, string what)
        {
            if (!Silent)
            {
                Run(t => t.FailedBeforeResponse(AddressOf(client), backend.Address, what));
            }
        }

        public void Replaying(Socket client, Backend from, string why)
        {
            if (!Silent)
            {
                Run(t => t.Replaying(AddressOf(client), from.Address, why));
            }
        }

        public void ConnectionReset(Socket client, Backend backend, bool byBackend)
        {
            if (!Silent)
            {
                Run(t => t.ConnectionReset(AddressOf(client), backend.Address, byBackend));
            }
        }

        public void IdleTimedOut(Socket client, Backend? backend)
        {
            if (!Silent)
            {
                Run(t => t.IdleTimedOut(AddressOf(client), backend?.Address));
            }
        }

        public void Refused(Socket client, string reason)
        {
            if (!Silent)
            {
                Run(t => t.Refused(AddressOf(client), reason));
            }
        }

        public void AbandonedInQueue(Socket client)
        {
            if (!Silent)
            {
                Run(t => t.AbandonedInQueue(AddressOf(client)));
            }
        }

        public void NotServed(Socket client, string reason)
        {
            if (!Silent)
            {
                Run(t => t.NotServed(AddressOf(client), reason));
            }
        }

        private void Run(Action<IBalancerTrace> call)
        {
            try
            {
                call(_trace);
            }
            catch (Exception)
            {
                // A trace never takes a connection down.
            }
        }

        private static IPEndPoint? AddressOf(Socket client)
        {
            try
            {
                return client.RemoteEndPoint as IPEndPoint;
            }
            catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
            {
                return null;
            }
        }
    }
}
