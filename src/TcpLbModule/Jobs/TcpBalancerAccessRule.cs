using System.Collections.Generic;
using TcpLb.Engine.Access;

namespace TcpLbModule.Jobs
{
    /// <summary>
    /// One access rule of a balancer as Get-TcpBalancerAccess saw it, with the connections it
    /// decided. When allow rules exist, a last row (Range "*", Deny) counts the sources they did not match.
    /// </summary>
    public sealed class TcpBalancerAccessRule
    {
        /// <summary>The Range of the implicit last rule: every source no allow rule matched.</summary>
        public const string Others = "*";

        private TcpBalancerAccessRule(TcpBalancerJob job, AccessAction action, string range, long matches)
        {
            Balancer = job.Name;
            BalancerId = job.Id;
            Action = action.ToString();
            Range = range;
            Matches = matches;
        }

        /// <summary>The balancer job's name and id.</summary>
        public string Balancer { get; }

        public int BalancerId { get; }

        public string Action { get; }

        /// <summary>The address or CIDR range (normalized: 10.0.0.0/8, 192.0.2.10, 2001:db8::/32), or * for the sources no allow rule matched.</summary>
        public string Range { get; }

        /// <summary>Connections this rule allowed or reset since this rule set was put in force.</summary>
        public long Matches { get; }

        public override string ToString() => $"{Action} {Range}";

        internal static TcpBalancerAccessRule[] Of(TcpBalancerJob job)
        {
            AccessRules rules = job.Balancer.Access.Rules;
            var rows = new List<TcpBalancerAccessRule>();
            foreach (AccessRule rule in rules.Deny)
            {
                rows.Add(new TcpBalancerAccessRule(job, rule.Action, rule.Range.ToString(), rule.Matches));
            }
            foreach (AccessRule rule in rules.Allow)
            {
                rows.Add(new TcpBalancerAccessRule(job, rule.Action, rule.Range.ToString(), rule.Matches));
            }
            if (rules.Allow.Count > 0)
            {
                rows.Add(new TcpBalancerAccessRule(job, AccessAction.Deny, Others, rules.NotAllowed));
            }
            return rows.ToArray();
        }
    }
}
