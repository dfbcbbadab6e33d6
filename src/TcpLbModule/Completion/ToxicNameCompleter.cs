using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using TcpLb.Engine.Balancing;
using TcpLbModule.Jobs;

namespace TcpLbModule.Completion
{
    /// <summary>
    /// Completes -ToxicName with the toxics of the balancer named on the command line (-Job, -Name
    /// or -Id), else of every running balancer of this session, whole and quoted when they must be.
    /// </summary>
    public sealed class ToxicNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string typed = CompletionText.Unquoted(wordToComplete);
            var results = new List<CompletionResult>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (TcpBalancerJob balancer in BalancerBackendCompleter.NamedBalancers(fakeBoundParameters))
            {
                foreach (BalancerToxic toxic in balancer.Balancer.Toxics)
                {
                    if (toxic.Name.StartsWith(typed, StringComparison.OrdinalIgnoreCase) && seen.Add(toxic.Name))
                    {
                        results.Add(CompletionText.Result(toxic.Name, toxic.Name, $"{toxic} on balancer '{balancer.Name}'", wordToComplete));
                    }
                }
            }
            return results;
        }
    }
}
