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

        public void ConnectFailed(TracedClient client, Backend backend, IPEndPoint? endPoint, SocketError error, string? problem)
        {
            if (!Silent)
            {
                Run(t => t.ConnectFailed(client.EndPoint, backend.Address, endPoint, error, problem));
            }
        }

        public void FailedBeforeResponse(TracedClient client, Backend backend, string what)
        {
            if (!Silent)
            {
                Run(t => t.FailedBeforeResponse(client.EndPoint, backend.Address, what));
            }
        }

        public void Replaying(TracedClient client, Backend from, string why)
        {
            if (!Silent)
            {
                Run(t => t.Replaying(client.EndPoint, from.Address, why));
            }
        }

        public void ConnectionReset(TracedClient client, Backend backend, bool byBackend)
        {
            if (!Silent)
            {
                Run(t => t.ConnectionReset(client.EndPoint, backend.Address, byBackend));
            }
        }

        public void IdleTimedOut(TracedClient client, Backend? backend)
        {
            if (!Silent)
            {
                Run(t => t.IdleTimedOut(client.EndPoint, backend?.Address));
            }
        }

        public void Refused(TracedClient client, string reason)
        {
            if (!Silent)
            {
                Run(t => t.Refused(client.EndPoint, reason));
            }
        }

        public void AbandonedInQueue(TracedClient client)
        {
            if (!Silent)
            {
                Run(t => t.AbandonedInQueue(client.EndPoint));
            }
        }

        public void NotServed(TracedClient client, string reason)
        {
            if (!Silent)
            {
                Run(t => t.NotServed(client.EndPoint, reason));
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
    }
}
