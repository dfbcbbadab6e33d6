using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using TcpLbModule.Detached;
using TcpLbModule.Jobs;

namespace TcpLbModule.Completion
{
    /// <summary>
    /// Completes a port to connect to (Invoke-TcpProbe -Port) with the ports of the running
    /// balancers, then backends, of this session and of this user's detached servers.
    /// </summary>
    public sealed class ServerPortCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string typed = CompletionText.Unquoted(wordToComplete);
            var results = new List<CompletionResult>();
            var seen = new HashSet<int>();
            void Add(int port, string toolTip)
            {
                string text = port.ToString(CultureInfo.InvariantCulture);
                if (text.StartsWith(typed, StringComparison.Ordinal) && seen.Add(port))
                {
                    results.Add(new CompletionResult(text, text, CompletionResultType.ParameterValue, toolTip));
                }
            }
            List<TcpServerJob> jobs = ModuleJobRegistry.RunningInCurrentRunspace().OfType<TcpServerJob>().ToList();
            foreach (TcpServerJob job in jobs.OfType<TcpBalancerJob>().Concat<TcpServerJob>(jobs.OfType<TcpBackendJob>()))
            {
                Add(job.Port, $"{job.PSJobTypeName} job '{job.Name}' (Id {job.Id}) on {job.Location}");
            }
            foreach (DetachedTcpServer server in DetachedServerRegistry.Find(null, null, null))
            {
                Add(server.Port, "Detached " + server);
            }
            return results;
        }
    }

    /// <summary>Completes a port to listen on (Start-TcpBalancer/Start-TcpBackend -Port) with 0, a free port the system picks.</summary>
    public sealed class ListenPortCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string typed = CompletionText.Unquoted(wordToComplete);
            return "0".StartsWith(typed, StringComparison.Ordinal)
                ? new[] { new CompletionResult("0", "0", CompletionResultType.ParameterValue, "A free port the system picks (the job's Port property says which).") }
                : new CompletionResult[0];
        }
    }
}
