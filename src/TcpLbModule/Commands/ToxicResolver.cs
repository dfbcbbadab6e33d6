using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using TcpLb.Engine.Balancing;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// The toxics of a balancer that -ToxicName names (wildcards allowed); a plain name that
    /// matches none is a non-terminating error (ToxicNotFound), and the toxics found are acted on.
    /// </summary>
    internal static class ToxicResolver
    {
        public static List<BalancerToxic> Resolve(PSCmdlet cmdlet, TcpBalancerJob job, string[] names)
        {
            var found = new List<BalancerToxic>();
            IReadOnlyList<BalancerToxic> toxics = job.Balancer.Toxics;
            foreach (string name in names)
            {
                var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                List<BalancerToxic> matched = toxics.Where(t => pattern.IsMatch(t.Name)).ToList();
                if (matched.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
                {
                    cmdlet.WriteError(new ErrorRecord(
                        new ItemNotFoundException($"Balancer '{job.Name}' has no toxic named '{name}'. Its toxics: {(toxics.Count == 0 ? "none" : string.Join(", ", toxics.Select(t => t.Name)))}."),
                        "ToxicNotFound",
                        ErrorCategory.ObjectNotFound,
                        name));
                }
                found.AddRange(matched.Where(m => !found.Contains(m)));
            }
            return found;
        }
    }
}
