using System.Globalization;
using System.Net;
using System.Net.Sockets;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Net;

namespace TcpLbModule.Jobs
{
    /// <summary>
    /// The balancer's trace (why a connection failed, was refused or moved) as one line each in
    /// the job's Verbose stream, and its Debug stream when the job traces (-Debug); the job bounds
    /// how many it keeps (<see cref="TraceRateGate"/>).
    /// </summary>
    internal sealed class BalancerJobTrace : IBalancerTrace
    {
        private readonly TcpBalancerJob _job;

        public BalancerJobTrace(TcpBalancerJob job) => _job = job;

        public void ConnectFailed(IPEndPoint? client, BackendAddress backend, IPEndPoint? backendEndPoint, SocketError error, string? problem)
        {
            string at = backendEndPoint != null && backendEndPoint.ToString() != backend.ToString() ? " (" + Endpoints.Format(backendEndPoint) + ")" : string.Empty;
            string why = problem ?? error.ToString();
            Write(client, $"connect to backend {backend}{at} failed: {why}");
        }

        public void FailedBeforeResponse(IPEndPoint? client, BackendAddress backend, string what) => Write(client, $"backend {backend} failed before its first byte: {what}");

        public void Replaying(IPEndPoint? client, BackendAddress from, string why) => Write(client, $"moved off backend {from} ({why}), the client's bytes replayed to the next one");

        public void ConnectionReset(IPEndPoint? client, BackendAddress backend, bool byBackend)
            => Write(client, byBackend ? $"reset by backend {backend}; the client was reset too" : $"reset by the client; backend {backend} was reset too");

        public void IdleTimedOut(IPEndPoint? client, BackendAddress? backend)
            => Write(client, "reset after the idle timeout" + (backend != null ? $" (backend {backend})" : string.Empty));

        public void Refused(IPEndPoint? client, string reason) => Write(client, "refused: " + reason);

        public void AbandonedInQueue(IPEndPoint? client) => Write(client, "reset by the client while it waited in a queue (AbandonedInQueue)");

        public void NotServed(IPEndPoint? client, string reason) => Write(client, "not served: " + reason);

        private void Write(IPEndPoint? client, string what)
            => _job.WriteConnectionTrace(string.Format(CultureInfo.InvariantCulture, "Connection from {0} {1}.", client != null ? Endpoints.Format(client) : "(gone)", what));
    }
}
