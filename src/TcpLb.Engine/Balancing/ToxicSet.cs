using System;
using System.Collections.Generic;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// A balancer's toxics, in the order they were added (the order they act in). Copy on write:
    /// a new connection reads one array, and with no toxic it is empty and costs nothing more.
    /// </summary>
    internal sealed class ToxicSet
    {
        private readonly object _gate = new object();
        private volatile BalancerToxic[] _toxics = Array.Empty<BalancerToxic>();

        public BalancerToxic[] Snapshot => _toxics;

        /// <summary>Adds the toxic; throws <see cref="ArgumentException"/> when its name is taken.</summary>
        public void Add(BalancerToxic toxic)
        {
            lock (_gate)
            {
                if (Find(toxic.Name) != null)
                {
                    throw new ArgumentException($"A toxic named '{toxic.Name}' is already on this balancer. Give another name, or change that one.", nameof(toxic));
                }
                var next = new BalancerToxic[_toxics.Length + 1];
                Array.Copy(_toxics, next, _toxics.Length);
                next[next.Length - 1] = toxic;
                _toxics = next;
            }
        }

        public BalancerToxic? Find(string name)
        {
            foreach (BalancerToxic toxic in _toxics)
            {
                if (string.Equals(toxic.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    return toxic;
                }
            }
            return null;
        }

        public BalancerToxic? Remove(string name)
        {
            lock (_gate)
            {
                BalancerToxic? found = Find(name);
                if (found != null)
                {
                    var next = new List<BalancerToxic>(_toxics);
                    next.Remove(found);
                    _toxics = next.ToArray();
                    found.OnRemoved();
                }
                return found;
            }
        }
    }
}
