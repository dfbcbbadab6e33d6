using System.Collections.Generic;
using TcpLb.Engine.Balancing;

namespace TcpLb.Dashboard
{
    /// <summary>
    /// The balancers the dashboard shows and toxiproxy's API drives, by name. The module lists its
    /// running balancer jobs; a C# caller can use <see cref="OwnedBalancerCatalog"/>.
    /// </summary>
    public interface IBalancerCatalog
    {
        /// <summary>The running balancers, in a stable order (oldest first).</summary>
        IReadOnlyList<NamedBalancer> List();

        /// <summary>
        /// Starts a balancer named <paramref name="name"/> (toxiproxy's "create proxy"); throws
        /// <see cref="System.ArgumentException"/> for bad options and the engine's bind errors when
        /// the port cannot be had.
        /// </summary>
        NamedBalancer Create(string name, TcpBalancerOptions options);

        /// <summary>Stops and forgets the balancer named <paramref name="name"/>; false when there is none.</summary>
        bool Remove(string name);
    }
}
