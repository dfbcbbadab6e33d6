using System;
using System.Collections.Generic;
using System.Net;
using System.Threading;
using TcpLb.Engine.Net;

namespace TcpLb.Engine.Access
{
    /// <summary>
    /// The allow and deny lists of a listener: immutable, so a running balancer swaps a whole set
    /// in one write and every accept reads one consistent set without a lock. A source matched by
    /// a deny rule is refused; otherwise, when there are allow rules, it must match one of them;
    /// with no allow rules everyone not denied may connect. The first matching rule of a list
    /// counts the connection.
    /// </summary>
    public sealed class AccessRules
    {
        private readonly AccessRule[] _allow;
        private readonly AccessRule[] _deny;
        private long _notAllowed;

        /// <summary>No rules: every source may connect.</summary>
        public static AccessRules None { get; } = new AccessRules(Array.Empty<AccessRule>(), Array.Empty<AccessRule>());

        private AccessRules(AccessRule[] allow, AccessRule[] deny)
        {
            _allow = allow;
            _deny = deny;
        }

        /// <summary>
        /// A rule set from address and CIDR texts; throws a <see cref="FormatException"/> naming
        /// the first bad entry. Null lists are empty; an entry given twice in a list counts once.
        /// </summary>
        public static AccessRules Create(IEnumerable<string>? allowFrom, IEnumerable<string>? denyFrom)
        {
            AccessRule[] allow = Rules(AccessAction.Allow, allowFrom);
            AccessRule[] deny = Rules(AccessAction.Deny, denyFrom);
            return new AccessRules(allow, deny);
        }

        public IReadOnlyList<AccessRule> Allow => _allow;

        public IReadOnlyList<AccessRule> Deny => _deny;

        /// <summary>True when the set lets every source in (no rules): accepting skips it.</summary>
        public bool IsEmpty => _allow.Length == 0 && _deny.Length == 0;

        /// <summary>Connections refused because allow rules exist and none matched (no deny rule matched either).</summary>
        public long NotAllowed => Volatile.Read(ref _notAllowed);

        /// <summary>The allow texts, as normalized ranges (for a copy of the options, or a message).</summary>
        public string[] AllowTexts() => Texts(_allow);

        public string[] DenyTexts() => Texts(_deny);

        /// <summary>Whether <paramref name="source"/> may connect; counts the decision on the rule that made it.</summary>
        public bool Admits(IPAddress source) => Admits(AddressBits.From(source ?? throw new ArgumentNullException(nameof(source))));

        internal bool Admits(AddressBits source)
        {
            foreach (AccessRule rule in _deny)
            {
                if (rule.Range.Contains(source))
                {
                    rule.OnMatched();
                    return false;
                }
            }
            if (_allow.Length == 0)
            {
                return true;
            }
            foreach (AccessRule rule in _allow)
            {
                if (rule.Range.Contains(source))
                {
                    rule.OnMatched();
                    return true;
                }
            }
            Interlocked.Increment(ref _notAllowed);
            return false;
        }

        public override string ToString()
            => IsEmpty ? "every source allowed" : $"allow {(_allow.Length == 0 ? "all" : string.Join(", ", AllowTexts()))}; deny {(_deny.Length == 0 ? "none" : string.Join(", ", DenyTexts()))}";

        private static AccessRule[] Rules(AccessAction action, IEnumerable<string>? texts)
        {
            var rules = new List<AccessRule>();
            var seen = new HashSet<AddressRange>();
            foreach (string text in texts ?? Array.Empty<string>())
            {
                AddressRange range = AddressRange.Parse(text);
                if (seen.Add(range))
                {
                    rules.Add(new AccessRule(action, range));
                }
            }
            return rules.ToArray();
        }

        private static string[] Texts(AccessRule[] rules) => Array.ConvertAll(rules, r => r.Range.ToString());
    }
}
