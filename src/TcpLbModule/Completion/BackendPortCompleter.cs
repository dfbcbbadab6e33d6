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
    /// <summary>Completes a list of backend ports (Measure-TcpProbe -ExpectRotation) with the ports of running backend jobs.</summary>
    public sealed class BackendPortCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string typed = CompletionText.Unquoted(wordToComplete);
            var results = new List<CompletionResult>();
            foreach (TcpBackendJob job in ModuleJobRegistry.RunningInCurrentRunspace().OfType<TcpBackendJob>())
            {
                string port = job.Port.ToString(CultureInfo.InvariantCulture);
                if (port.StartsWith(typed, StringComparison.Ordinal))
                {
                    results.Add(new CompletionResult(port, port, CompletionResultType.ParameterValue, $"Backend job '{job.Name}' (Id {job.Id}) on {job.Location}"));
                }
            }
            return results;
        }
    }
}
