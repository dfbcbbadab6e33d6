using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using TcpLbModule.Detached;
using TcpLbModule.Jobs;

namespace TcpLbModule.Completion
{
    /// <summary>
    /// Completes -Name with the names of running balancer (or, for the backend cmdlets, backend)
    /// jobs, then of the detached ones of this user, which other processes started; typing a port
    /// or id finds them too.
    /// </summary>
    public sealed class JobNameCompleter : JobArgumentCompleter
    {
        protected override CompletionResult Complete(TcpLbJob job, string wordToComplete)
            => CompletionText.Result(job.Name, job.Name, Describe(job), wordToComplete);

        protected override IEnumerable<CompletionResult> Beyond(Type jobType, string typed, string wordToComplete, List<CompletionResult> found)
        {
            TcpServerKind kind = jobType == typeof(TcpBackendJob) ? TcpServerKind.Backend : TcpServerKind.Balancer;
            var pattern = new WildcardPattern(WildcardPattern.Escape(typed) + "*", WildcardOptions.IgnoreCase);
            var listed = new HashSet<string>(found.Select(r => r.ListItemText), StringComparer.OrdinalIgnoreCase);
            foreach (DetachedTcpServer server in DetachedServerRegistry.Find(kind, null, null))
            {
                if ((pattern.IsMatch(server.Name) || server.Port.ToString(CultureInfo.InvariantCulture).StartsWith(typed, StringComparison.Ordinal)) && listed.Add(server.Name))
                {
                    yield return CompletionText.Result(server.Name, server.Name, $"Detached {server}", wordToComplete);
                }
            }
        }
    }
}
