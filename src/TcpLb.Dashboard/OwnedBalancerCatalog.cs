using System;
using System.Collections.Generic;
using System.Linq;
using TcpLb.Engine.Balancing;

namespace TcpLb.Dashboard
{
    /// <summary>
    /// A catalog that owns its balancers: those added to it and those toxiproxy's API creates.
    /// For C# callers and tests; the module uses its job list instead.
    /// </summary>
    public sealed class OwnedBalancerCatalog : IBalancerCatalog, IDisposable
    {
        private readonly object _lock = new object();
        private readonly List<NamedBalancer> _balancers = new List<NamedBalancer>();

        public IReadOnlyList<NamedBalancer> List()
        {
            lock (_lock)
            {
                return _balancers.ToArray();
            }
        }

        /// <summary>Adds a balancer that is already running; the catalog stops it when it is removed or disposed.</summary>
        public NamedBalancer Add(string name, TcpBalancer balancer)
        {
            var entry = new NamedBalancer(name, balancer);
            lock (_lock)
            {
                if (_balancers.Any(b => string.Equals(b.Name, name, StringComparison.OrdinalIgnoreCase)))
                {
                    throw new ArgumentException($"A balancer named '{name}' is already in the catalog.", nameof(name));
                }
                _balancers.Add(entry);
            }
            return entry;
        }

        public NamedBalancer Create(string name, TcpBalancerOptions options)
        {
            var balancer = new TcpBalancer(options);
            try
            {
                balancer.Start();
                return Add(name, balancer);
            }
            catch
            {
                balancer.Dispose();
                throw;
            }
        }

        public bool Remove(string name)
        {
            NamedBalancer? found;
            lock (_lock)
            {
                found = _balancers.FirstOrDefault(b => string.Equals(b.Name, name, StringComparison.OrdinalIgnoreCase));
                if (found == null)
                {
                    return false;
                }
                _balancers.Remove(found);
            }
            found.Balancer.Dispose();
            return true;
        }

        public void Dispose()
        {
            foreach (NamedBalancer entry in List())
            {
                Remove(entry.Name);
            }
        }
    }
}
