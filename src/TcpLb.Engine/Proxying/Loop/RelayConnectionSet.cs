using System;
using System.Threading;
using TcpLb.Engine.Net.EventLoop;

namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>
    /// The open <see cref="LoopRelayConnection"/>s of one group of loops (a relay, the balancer's
    /// loop transport), one list per loop, each touched only on its own loop's thread: what lets an
    /// owner reach every connection from any thread without a lock, by posting to the loops. It
    /// carries the live deadlines (<see cref="ApplyTimeouts"/>: a reload re-arms every open
    /// connection's timer) and releases the clients held for an outage (<see cref="ReleaseHeld"/>).
    /// Posting allocates nothing: each loop's list is its own work item.
    /// </summary>
    internal sealed class RelayConnectionSet
    {
        private readonly ConnectionList[] _lists;

        public RelayConnectionSet(EpollLoop[] loops, RelayTimeouts timeouts)
        {
            if (loops == null || loops.Length == 0)
            {
                throw new ArgumentException("A connection set needs at least one loop.", nameof(loops));
            }
            Timeouts = new RelayTimeoutSettings(timeouts);
            _lists = new ConnectionList[loops.Length];
            for (int i = 0; i < loops.Length; i++)
            {
                _lists[i] = new ConnectionList(loops[i]);
            }
        }

        /// <summary>The deadlines every connection of the set reads, live.</summary>
        public RelayTimeoutSettings Timeouts { get; }

        /// <summary>Open connections on all loops (a snapshot).</summary>
        public int Count => Sum(list => Volatile.Read(ref list.Count));

        /// <summary>Clients held for an outage on all loops (a snapshot).</summary>
        public int HeldCount => Sum(list => Volatile.Read(ref list.Held));

        /// <summary>New deadlines for every connection, open ones included (from any thread).</summary>
        public void ApplyTimeouts(RelayTimeouts timeouts)
        {
            Timeouts.Set(timeouts);
            foreach (ConnectionList list in _lists)
            {
                list.Request(ConnectionList.RearmWork);
            }
        }

        /// <summary>Resets every client held for an outage, soon, on its loop (from any thread): the outage is over.</summary>
        public void ReleaseHeld()
        {
            foreach (ConnectionList list in _lists)
            {
                list.Request(ConnectionList.ReleaseWork);
            }
        }

        private int Sum(Func<ConnectionList, int> count)
        {
            int sum = 0;
            foreach (ConnectionList list in _lists)
            {
                sum += count(list);
            }
            return sum;
        }

        /// <summary>The list of <paramref name="loop"/> (one of the set's: a short scan, once per connection).</summary>
        internal ConnectionList ListOf(EpollLoop loop)
        {
            foreach (ConnectionList list in _lists)
            {
                if (ReferenceEquals(list.Loop, loop))
                {
                    return list;
                }
            }
            throw new ArgumentException($"Loop {loop.Name} is not one of this set's loops.", nameof(loop));
        }

        /// <summary>One loop's connections, linked through the connections themselves (no allocation per connection).</summary>
        internal sealed class ConnectionList : ILoopWorkItem
        {
            internal const int RearmWork = 1;
            internal const int ReleaseWork = 2;

            private LoopRelayConnection? _head;
            private int _requested;
            internal int Count;
            internal int Held;

            public ConnectionList(EpollLoop loop) => Loop = loop;

            public EpollLoop Loop { get; }

            /// <summary>The newest connection; the rest follow through <see cref="LoopRelayConnection.ListNext"/> (loop thread).</summary>
            public LoopRelayConnection? First => _head;

            public void Add(LoopRelayConnection connection)
            {
                connection.ListNext = _head;
                connection.ListPrevious = null;
                if (_head != null)
                {
                    _head.ListPrevious = connection;
                }
                _head = connection;
                Volatile.Write(ref Count, Count + 1);
            }

            public void Remove(LoopRelayConnection connection)
            {
                if (connection.ListPrevious != null)
                {
                    connection.ListPrevious.ListNext = connection.ListNext;
                }
                else if (ReferenceEquals(_head, connection))
                {
                    _head = connection.ListNext;
                }
                else
                {
                    return; // not in the list
                }
                if (connection.ListNext != null)
                {
                    connection.ListNext.ListPrevious = connection.ListPrevious;
                }
                connection.ListNext = null;
                connection.ListPrevious = null;
                Volatile.Write(ref Count, Count - 1);
            }

            public void OnHeld(int change) => Volatile.Write(ref Held, Held + change);

            /// <summary>From any thread: asks the loop to do <paramref name="work"/> on every connection; one post while one is pending.</summary>
            public void Request(int work)
            {
                int before;
                do
                {
                    before = Volatile.Read(ref _requested);
                }
                while (Interlocked.CompareExchange(ref _requested, before | work, before) != before);
                if (before == 0)
                {
                    Loop.Post(this);
                }
            }

            void ILoopWorkItem.Execute(EpollLoop loop)
            {
                int work = Interlocked.Exchange(ref _requested, 0);
                LoopRelayConnection? connection = _head;
                while (connection != null)
                {
                    // Taken first: releasing a connection ends it, which unlinks it.
                    LoopRelayConnection? next = connection.ListNext;
                    try
                    {
                        if ((work & ReleaseWork) != 0 && connection.IsHeldForOutage)
                        {
                            connection.Abort();
                        }
                        else if ((work & RearmWork) != 0)
                        {
                            connection.Rearm();
                        }
                    }
                    catch (Exception e)
                    {
                        // An observer that threw costs its own connection only; the walk goes on.
                        loop.ReportFault(e);
                        connection.Abort();
                    }
                    connection = next;
                }
            }
        }
    }
}
