using System;
using System.Collections.Generic;
using System.Linq;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// The backends of a balancer, in pool order. Readers take the current array without a
    /// lock; changes copy it and swap.
    /// </summary>
    internal sealed class BackendPool
    {
        private readonly object _writeLock = new object();
        private volatile Backend[] _backends;

        public BackendPool(IEnumerable<Backend> backends) => _backends = backends.ToArray();

        /// <summary>The pool as it is now; never changes once read.</summary>
        public Backend[] Snapshot => _backends;

        public Backend? Find(BackendAddress address) => Array.Find(_backends, b => b.Address.Equals(address));

        public void Add(Backend backend)
        {
            lock (_writeLock)
            {
                if (Find(backend.Address) != null)
                {
                    throw new ArgumentException($"Backend {backend.Address} is already in the pool.");
                }
                Backend[] current = _backends;
                var next = new Backend[current.Length + 1];
                Array.Copy(current, next, current.Length);
                next[current.Length] = backend;
                _backends = next;
            }
        }

        public Backend? Remove(BackendAddress address)
        {
            lock (_writeLock)
            {
                Backend? removed = Find(address);
                if (removed != null)
                {
                    _backends = _backends.Where(b => !ReferenceEquals(b, removed)).ToArray();
                }
                return removed;
            }
        }
    }
}
