using System;
using System.Collections.Generic;
using System.Diagnostics;
using TcpLb.Engine.Net;

namespace TcpLb.Engine.Access
{
    /// <summary>
    /// Per-source state for the per-source limits: open connections and a token bucket of new
    /// connections, keyed by client address. Bounded: at most <see cref="Capacity"/> entries
    /// whatever the number of distinct sources. When full, a new source takes the place of the
    /// least recently seen source that has no open connection (an LRU of idle entries, O(1) per
    /// accept): an exact count per source matters for the connection limit, so entries with
    /// open connections are never evicted (a sketch would over-count innocent neighbours); an
    /// evicted idle source only loses its rate history, and the least recently seen one has the
    /// fullest bucket anyway. When every entry has open connections, a new source is refused
    /// (<see cref="SourceVerdict.TableFull"/>): make the capacity larger than the connections a
    /// balancer holds. One short lock per accept and per close; nothing per read or write.
    /// </summary>
    internal sealed class SourceTable
    {
        public const int DefaultCapacity = 16_384;
        private const int None = -1;
        private readonly object _gate = new object();
        private readonly int _maxOpen;
        private readonly double _burst;
        private readonly double _tokensPerTick;
        private readonly Dictionary<AddressBits, int> _index;
        private AddressBits[] _keys;
        private int[] _open;
        private double[] _tokens;
        private long[] _stamp;
        private int[] _prev; // the LRU list of entries with no open connection, most recent first
        private int[] _next;
        private int _head = None;
        private int _tail = None;
        private int _used;
        private long _evicted;

        /// <param name="maxOpenPerSource">Open connections per source; 0: no limit.</param>
        /// <param name="rate">New connections per source; <see cref="ConnectionRate.IsNone"/>: no limit.</param>
        /// <param name="capacity">Sources tracked at most.</param>
        public SourceTable(int maxOpenPerSource, ConnectionRate rate, int capacity)
        {
            if (capacity < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The per-source table needs a capacity of 1 or more.");
            }
            _maxOpen = maxOpenPerSource;
            Capacity = capacity;
            if (!rate.IsNone)
            {
                _burst = rate.Count;
                _tokensPerTick = rate.Count / (rate.Period.TotalSeconds * Stopwatch.Frequency);
            }
            // Grows by doubling up to the capacity, so a small balancer never holds the whole table.
            int initial = Math.Min(capacity, 256);
            _index = new Dictionary<AddressBits, int>(initial);
            _keys = new AddressBits[initial];
            _open = new int[initial];
            _tokens = new double[initial];
            _stamp = new long[initial];
            _prev = new int[initial];
            _next = new int[initial];
        }

        public int Capacity { get; }

        /// <summary>Sources tracked now (never more than <see cref="Capacity"/>).</summary>
        public int Count
        {
            get
            {
                lock (_gate)
                {
                    return _index.Count;
                }
            }
        }

        /// <summary>Entries allocated (grows by doubling up to <see cref="Capacity"/>).</summary>
        public int Allocated
        {
            get
            {
                lock (_gate)
                {
                    return _keys.Length;
                }
            }
        }

        /// <summary>Idle sources forgotten to make room for new ones.</summary>
        public long Evicted
        {
            get
            {
                lock (_gate)
                {
                    return _evicted;
                }
            }
        }

        /// <summary>Open connections counted for <paramref name="source"/>.</summary>
        public int OpenConnections(AddressBits source)
        {
            lock (_gate)
            {
                return _index.TryGetValue(source, out int slot) ? _open[slot] : 0;
            }
        }

        /// <summary>
        /// Admits a new connection from <paramref name="source"/> at time <paramref name="now"/>
        /// (Stopwatch ticks) or says why not. On <see cref="SourceVerdict.Admitted"/>,
        /// <paramref name="slot"/> must be given back to <see cref="Release"/> when the connection ends.
        /// </summary>
        public SourceVerdict TryAdmit(AddressBits source, long now, out int slot)
        {
            lock (_gate)
            {
                if (!_index.TryGetValue(source, out slot))
                {
                    slot = NewEntry(source, now);
                    if (slot == None)
                    {
                        return SourceVerdict.TableFull;
                    }
                }
                else if (_tokensPerTick > 0)
                {
                    _tokens[slot] = Math.Min(_burst, _tokens[slot] + (now - _stamp[slot]) * _tokensPerTick);
                    _stamp[slot] = now;
                }
                if (_open[slot] == 0)
                {
                    MoveToFront(slot);
                }
                if (_tokensPerTick > 0 && _tokens[slot] < 1)
                {
                    slot = None;
                    return SourceVerdict.RateLimit;
                }
                if (_maxOpen > 0 && _open[slot] >= _maxOpen)
                {
                    slot = None;
                    return SourceVerdict.ConnectionLimit;
                }
                if (_tokensPerTick > 0)
                {
                    _tokens[slot] -= 1;
                }
                if (_open[slot]++ == 0)
                {
                    Unlink(slot); // pinned while it has open connections
                }
                return SourceVerdict.Admitted;
            }
        }

        /// <summary>A connection admitted with <paramref name="slot"/> has ended.</summary>
        public void Release(int slot)
        {
            lock (_gate)
            {
                if (--_open[slot] == 0)
                {
                    PushFront(slot);
                }
            }
        }

        private int NewEntry(AddressBits source, long now)
        {
            int slot;
            if (_index.Count < Capacity)
            {
                slot = _used < _keys.Length ? _used : Grow();
                if (slot == None)
                {
                    return None;
                }
                _used++;
            }
            else if (_tail != None)
            {
                slot = _tail;
                Unlink(slot);
                _index.Remove(_keys[slot]);
                _evicted++;
            }
            else
            {
                return None;
            }
            _keys[slot] = source;
            _open[slot] = 0;
            _tokens[slot] = _burst;
            _stamp[slot] = now;
            _index.Add(source, slot);
            PushFront(slot);
            return slot;
        }

        private int Grow()
        {
            int size = Math.Min(Capacity, _keys.Length * 2);
            if (size == _keys.Length)
            {
                return None;
            }
            Array.Resize(ref _keys, size);
            Array.Resize(ref _open, size);
            Array.Resize(ref _tokens, size);
            Array.Resize(ref _stamp, size);
            Array.Resize(ref _prev, size);
            Array.Resize(ref _next, size);
            return _used;
        }

        private void MoveToFront(int slot)
        {
            if (_head != slot)
            {
                Unlink(slot);
                PushFront(slot);
            }
        }

        private void PushFront(int slot)
        {
            _prev[slot] = None;
            _next[slot] = _head;
            if (_head != None)
            {
                _prev[_head] = slot;
            }
            _head = slot;
            if (_tail == None)
            {
                _tail = slot;
            }
        }

        private void Unlink(int slot)
        {
            int prev = _prev[slot];
            int next = _next[slot];
            if (prev != None)
            {
                _next[prev] = next;
            }
            else if (_head == slot)
            {
                _head = next;
            }
            if (next != None)
            {
                _prev[next] = prev;
            }
            else if (_tail == slot)
            {
                _tail = prev;
            }
            _prev[slot] = None;
            _next[slot] = None;
        }
    }
}
