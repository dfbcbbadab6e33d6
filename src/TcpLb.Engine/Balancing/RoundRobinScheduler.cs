using System;
using System.Collections.Generic;
using System.Threading;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// Picks backends in turn, per connection, in the order given. Lock-free: a pick is one
    /// interlocked increment on a counter and a read of an immutable array.
    /// </summary>
    public sealed class RoundRobinScheduler
    {
        private readonly Backend[] _backends;
        private int _next = -1;

        public RoundRobinScheduler(IReadOnlyList<Backend> backends)
        {
            if (backends == null || backends.Count == 0)
            {
                throw new ArgumentException("A scheduler needs at least one backend.", nameof(backends));
            }
            _backends = new Backend[backends.Count];
            for (int i = 0; i < _backends.Length; i++)
            {
                _backends[i] = backends[i];
            }
        }

        public IReadOnlyList<Backend> Backends => _backends;

        public Backend Pick()
        {
            uint turn = unchecked((uint)Interlocked.Increment(ref _next));
            return _backends[turn % (uint)_backends.Length];
        }
    }
}
