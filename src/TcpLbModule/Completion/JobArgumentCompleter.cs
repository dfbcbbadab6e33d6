using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using TcpLbModule.Jobs;

namespace TcpLbModule.Completion
{
    /// <summary>
    /// Shared by the -Name and -Id completers: the running jobs of the kind the command acts on,
    /// started in this session, that match what was typed by name, id or port.
    /// </summary>
    public abstract class JobArgumentCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            Type jobType = CommandJobKind.JobType(commandName) ?? typeof(TcpBalancerJob);
            string typed = CompletionText.Unquoted(wordToComplete);
            var results = new List<CompletionResult>();
            foreach (TcpLbJob job in ModuleJobRegistry.RunningInCurrentRunspace().Where(jobType.IsInstanceOfType))
            {
                if (Matches(job, typed))
                {
                    results.Add(Complete(job, wordToComplete));
                }
            }
            results.AddRange(Beyond(jobType, typed, wordToComplete, results));
            return results;
        }

        /// <summary>Completions beyond this session's jobs (the -Name completer adds detached servers).</summary>
        protected virtual IEnumerable<CompletionResult> Beyond(Type jobType, string typed, string wordToComplete, List<CompletionResult> found)
            => new CompletionResult[0];

        protected abstract CompletionResult Complete(TcpLbJob job, string wordToComplete);

        protected static string Describe(TcpLbJob job)
            => string.Format(CultureInfo.InvariantCulture, "{0} '{1}' (Id {2}) on {3}", job.PSJobTypeName, job.Name, job.Id, job.Location);

        private static bool Matches(TcpLbJob job, string typed)
        {
            if (typed.Length == 0)
            {
                return true;
            }
            var pattern = new WildcardPattern(WildcardPattern.Escape(typed) + "*", WildcardOptions.IgnoreCase);
            return pattern.IsMatch(job.Name)
                || job.Id.ToString(CultureInfo.InvariantCulture).StartsWith(typed, StringComparison.Ordinal)
                || (job is TcpServerJob server && server.Port.ToString(CultureInfo.InvariantCulture).StartsWith(typed, StringComparison.Ordinal));
        }
    }
}
