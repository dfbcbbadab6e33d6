using System;
using System.Collections.Generic;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// The open connections of a balancer, as an intrusive linked list, so that a stop, a
    /// disabled backend or the sweeper (idle and response timeouts) can reach them. Adding and removing are O(1) and
    /// allocate nothing.
    /// </summary>
    internal sealed class ConnectionTable
    {
        private readonly object _lock = new object();
        private ProxyConnection? _head;
        private int _count;

        public int Count => _count;

        public void Add(ProxyConnection connection)
        {
            lock (_lock)
            {
                connection.Next = _head;
                if (_head != null)
                {
                    _head.Previous = connection;
                }
                _head = connection;
                _count++;
            }
        }

        public void Remove(ProxyConnection connection)
        {
            lock (_lock)
            {
                if (connection.Previous != null)
                {
                    connection.Previous.Next = connection.Next;
                }
                else if (ReferenceEquals(_head, connection))
                {
                    _head = connection.Next;
                }
                else
                {
                    return; // not in the table
                }
                if (connection.Next != null)
                {
                    connection.Next.Previous = connection.Previous;
                }
                connection.Previous = null;
                connection.Next = null;
                _count--;
            }
        }

        /// <summary>Resets every connection that matches; returns how many.</summary>
        public int AbortWhere(Func<ProxyConnection, bool> match) => ForEachWhere(match, c => c.Abort());

        /// <summary>
        /// Runs <paramref name="action"/> on every connection that matches: matched under the
        /// lock, acted on outside it. Returns how many matched.
        /// </summary>
        public int ForEachWhere(Func<ProxyConnection, bool> match, Action<ProxyConnection> action)
        {
            List<ProxyConnection>? matched = null;
            lock (_lock)
            {
                for (ProxyConnection? c = _head; c != null; c = c.Next)
                {
                    if (match(c))
                    {
                        (matched ??= new List<ProxyConnection>()).Add(c);
                    }
                }
            }
            if (matched == null)
            {
                return 0;
            }
            foreach (ProxyConnection connection in matched)
            {
                action(connection);
            }
            return matched.Count;
        }
    }
}
