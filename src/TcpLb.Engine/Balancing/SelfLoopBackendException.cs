using System;
using System.Net;
using TcpLb.Engine.Net;

namespace TcpLb.Engine.Balancing
{
    /// <summary>A backend that is the balancer's own listener (see <see cref="TcpBalancer.Start"/> and <see cref="TcpBalancer.AddBackend"/>).</summary>
    public sealed class SelfLoopBackendException : ArgumentException
    {
        public SelfLoopBackendException(BackendAddress backend, IPEndPoint listener)
            : base($"Backend {backend} is this balancer's own listener ({Endpoints.Format(listener)}): every connection would come back to the balancer and connect again, until it runs out of file descriptors. Use the port of a server behind the balancer, not the balancer's port {listener.Port}.")
        {
            Backend = backend;
            ListenEndPoint = listener;
        }

        public SelfLoopBackendException(BackendAddress backend, IPEndPoint listener, IPEndPoint otherBalancer)
            : base($"Backend {backend} is the balancer on {Endpoints.Format(otherBalancer)}, whose backends lead back to this balancer ({Endpoints.Format(listener)}): connections would go round between them until the process runs out of file descriptors. Remove the backend that points back, or use a server behind the balancers.")
        {
            Backend = backend;
            ListenEndPoint = listener;
            OtherBalancer = otherBalancer;
        }

        /// <summary>The other balancer through which the loop runs; null when the backend is this balancer itself.</summary>
        public IPEndPoint? OtherBalancer { get; }

        public BackendAddress Backend { get; }

        public IPEndPoint ListenEndPoint { get; }
    }
}
