using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Net;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// The balancers running in this process, so that a pool change can see a loop through
    /// another one (A's backend is B, and B's backend is A), which no single balancer's own
    /// check can see.
    /// </summary>
    internal static class RunningBalancers
    {
        private static readonly ConcurrentDictionary<TcpBalancer, byte> Running = new ConcurrentDictionary<TcpBalancer, byte>();

        public static void Add(TcpBalancer balancer) => Running.TryAdd(balancer, 0);

        public static void Remove(TcpBalancer balancer) => Running.TryRemove(balancer, out _);

        /// <summary>
        /// Throws <see cref="SelfLoopBackendException"/> when <paramref name="backend"/> is another
        /// running balancer whose backends lead, directly or through further balancers, back to
        /// <paramref name="listener"/>.
        /// </summary>
        public static void EnsureNoLoopThroughOthers(TcpBalancer self, Backend backend, IPEndPoint listener)
        {
            if (listener.Port == 0)
            {
                return;
            }
            foreach (TcpBalancer other in Running.Keys)
            {
                if (!ReferenceEquals(other, self)
                    && Reaches(backend, other.LocalEndPoint)
                    && LeadsTo(other, listener, new HashSet<TcpBalancer> { self }))
                {
                    throw new SelfLoopBackendException(backend.Address, listener, other.LocalEndPoint);
                }
            }
        }

        private static bool LeadsTo(TcpBalancer from, IPEndPoint target, HashSet<TcpBalancer> visited)
        {
            if (!visited.Add(from))
            {
                return false;
            }
            foreach (Backend backend in from.Backends)
            {
                if (Reaches(backend, target))
                {
                    return true;
                }
                foreach (TcpBalancer next in Running.Keys)
                {
                    if (Reaches(backend, next.LocalEndPoint) && LeadsTo(next, target, visited))
                    {
                        return true;
                    }
                }
            }
            return false;
        }

        private static bool Reaches(Backend backend, IPEndPoint listener)
        {
            foreach (IPEndPoint endPoint in backend.EndPoints)
            {
                if (SelfLoopGuard.Reaches(endPoint, listener))
                {
                    return true;
                }
            }
            return false;
        }
    }
}
