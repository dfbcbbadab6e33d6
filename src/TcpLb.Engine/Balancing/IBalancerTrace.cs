using System.Net;
using System.Net.Sockets;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// Says why a connection failed, was refused or was moved (as Kestrel's ISocketsTrace does for
    /// its transport). Silent by default: set <see cref="TcpBalancer.Trace"/> to listen. Called inline
    /// on the connection's own thread, only when something went wrong: an implementation must be
    /// quick, must not block, and bounds its own output (a storm of refused connects calls it once
    /// per connection). What it throws is dropped: a trace never takes a connection down.
    /// <paramref name="client"/> parameters are the client's address as the balancer sees it (null
    /// when it is already gone).
    /// </summary>
    public interface IBalancerTrace
    {
        /// <summary>A connect to <paramref name="backend"/> failed: refused, unreachable, timed out (<see cref="SocketError.TimedOut"/>), or a failed TLS handshake or PROXY header send (<paramref name="problem"/>).</summary>
        void ConnectFailed(IPEndPoint? client, BackendAddress backend, IPEndPoint? backendEndPoint, SocketError error, string? problem);

        /// <summary>The backend failed before its first byte: reset, or left the client's bytes unanswered past the response timeout.</summary>
        void FailedBeforeResponse(IPEndPoint? client, BackendAddress backend, string what);

        /// <summary>The connection moves off <paramref name="from"/> to the next backend, the client's held bytes replayed.</summary>
        void Replaying(IPEndPoint? client, BackendAddress from, string why);

        /// <summary>One side reset an established connection; the other side was reset too.</summary>
        void ConnectionReset(IPEndPoint? client, BackendAddress backend, bool byBackend);

        /// <summary>The connection went the idle timeout without a byte and was reset.</summary>
        void IdleTimedOut(IPEndPoint? client, BackendAddress? backend);

        /// <summary>The client was refused before any backend: access rules, per-source limits, a full queue, a bad PROXY header, an outage, a loop.</summary>
        void Refused(IPEndPoint? client, string reason);

        /// <summary>The client reset while it waited in a queue (counted in AbandonedInQueue).</summary>
        void AbandonedInQueue(IPEndPoint? client);

        /// <summary>The client was reset unserved after the pick: no backend left, or the retries ran out.</summary>
        void NotServed(IPEndPoint? client, string reason);
    }
}
