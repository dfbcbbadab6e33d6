using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using TcpLb.Engine.Balancing;
using TcpLbModule.Commands;
using TcpLbModule.Detached;
using TcpLbModule.Jobs;

namespace TcpLbModule.Completion
{
    /// <summary>
    /// Completes Start-TcpBalancer -Backend with the addresses of the running backends: the
    /// backend jobs of this session, then this user's detached backends. Typing a port finds one.
    /// </summary>
    public sealed class BackendJobCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string typed = CompletionText.Unquoted(wordToComplete);
            var results = new List<CompletionResult>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            void Add(BackendAddress address, string toolTip)
            {
                string text = address.ToString();
                bool matches = text.StartsWith(typed, StringComparison.OrdinalIgnoreCase) || address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture).StartsWith(typed, StringComparison.Ordinal);
                if (matches && seen.Add(text))
                {
                    results.Add(CompletionText.Result(text, text, toolTip, wordToComplete));
                }
            }
            foreach (TcpBackendJob job in ModuleJobRegistry.RunningInCurrentRunspace().OfType<TcpBackendJob>())
            {
                if (BackendArgument.TryConvert(job, out BackendAddress? address, out _))
                {
                    Add(address!, $"Backend job '{job.Name}' (Id {job.Id}), {job.Mode}");
                }
            }
            foreach (DetachedTcpServer server in DetachedServerRegistry.Find(TcpServerKind.Backend, null, null))
            {
                if (server.TryGetBackendAddress(out BackendAddress? address, out _))
                {
                    Add(address!, "Detached " + server);
                }
            }
            return results;
        }
    }
}
