using System.Diagnostics;
using System.Net;
using System.Threading;
using TcpLb.Engine.Net;

namespace TcpLb.Engine.Access
{
    /// <summary>
    /// The accept-time checks of a listener: its access rules (swapped whole at run time) and the
    /// per-source limits. With neither configured, <see cref="IsActive"/> is false and accepting
    /// skips the gate; nothing here runs per read or write.
    /// </summary>
    public sealed class SourceGate
    {
        private readonly SourceTable? _sources;
        private AccessRules _rules;
        private long _denied;
        private long _connectionLimited;
        private long _rateLimited;
        private long _tableFull;

        internal SourceGate(AccessRules? rules, int maxConnectionsPerSource, ConnectionRate ratePerSource, int tableCapacity = SourceTable.DefaultCapacity)
        {
            _rules = rules ?? AccessRules.None;
            if (maxConnectionsPerSource > 0 || !ratePerSource.IsNone)
            {
                _sources = new SourceTable(maxConnectionsPerSource, ratePerSource, tableCapacity);
            }
        }

        /// <summary>The rules in force; setting them takes effect for the next accepted connection.</summary>
        public AccessRules Rules
        {
            get => Volatile.Read(ref _rules);
            set => Volatile.Write(ref _rules, value ?? AccessRules.None);
        }

        /// <summary>False when there is nothing to check: no rules, no per-source limit.</summary>
        public bool IsActive => _sources != null || !Volatile.Read(ref _rules).IsEmpty;

        /// <summary>Connections refused by access rules, over every rule set in force so far.</summary>
        public long Denied => Volatile.Read(ref _denied);

        /// <summary>Connections refused because their source had -MaxConnectionsPerSource open.</summary>
        public long ConnectionLimited => Volatile.Read(ref _connectionLimited);

        /// <summary>Connections refused because their source opened connections faster than -ConnectionRatePerSource.</summary>
        public long RateLimited => Volatile.Read(ref _rateLimited);

        /// <summary>Connections refused because the per-source table was full of sources with open connections.</summary>
        public long TableFull => Volatile.Read(ref _tableFull);

        /// <summary>Sources tracked by the per-source limits now; 0 without them.</summary>
        public int SourcesTracked => _sources?.Count ?? 0;

        /// <summary>Sources the per-source table holds at most; 0 without per-source limits.</summary>
        public int SourceCapacity => _sources?.Capacity ?? 0;

        internal SourceTable? Sources => _sources;

        /// <summary>
        /// Decides for a connection from <paramref name="source"/> and counts the refusals. On
        /// <see cref="SourceVerdict.Admitted"/>, give <paramref name="ticket"/> to <see cref="Release"/>
        /// when the connection ends (it is -1 when nothing needs releasing).
        /// </summary>
        internal SourceVerdict Check(IPAddress source, out int ticket)
        {
            ticket = -1;
            AddressBits bits = AddressBits.From(source);
            if (!Rules.Admits(bits))
            {
                Interlocked.Increment(ref _denied);
                return SourceVerdict.Denied;
            }
            if (_sources == null)
            {
                return SourceVerdict.Admitted;
            }
            SourceVerdict verdict = _sources.TryAdmit(bits, Stopwatch.GetTimestamp(), out ticket);
            switch (verdict)
            {
                case SourceVerdict.ConnectionLimit:
                    Interlocked.Increment(ref _connectionLimited);
                    break;
                case SourceVerdict.RateLimit:
                    Interlocked.Increment(ref _rateLimited);
                    break;
                case SourceVerdict.TableFull:
                    Interlocked.Increment(ref _tableFull);
                    break;
            }
            return verdict;
        }

        internal void Release(int ticket)
        {
            if (ticket >= 0)
            {
                _sources!.Release(ticket);
            }
        }
    }
}
