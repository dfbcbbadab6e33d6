using System.Threading;

namespace TcpLb.Engine.Access
{
    /// <summary>One -AllowFrom or -DenyFrom entry, with the number of connections it decided.</summary>
    public sealed class AccessRule
    {
        private long _matches;

        internal AccessRule(AccessAction action, AddressRange range)
        {
            Action = action;
            Range = range;
        }

        public AccessAction Action { get; }

        public AddressRange Range { get; }

        /// <summary>
        /// Connections this rule decided since the rule set was put in force: allowed by an allow
        /// rule (no deny rule matched), or reset by a deny rule.
        /// </summary>
        public long Matches => Volatile.Read(ref _matches);

        internal void OnMatched() => Interlocked.Increment(ref _matches);

        public override string ToString() => Action + " " + Range;
    }
}
