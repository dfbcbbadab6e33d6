using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace TcpLbModule.Completion
{
    /// <summary>
    /// A name being given, not looked up (Start-TcpBalancer -Name, Add-TcpBalancerToxic -ToxicName):
    /// there is nothing to offer, and an empty answer keeps PowerShell from offering file names.
    /// </summary>
    public sealed class NewNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
            => new CompletionResult[0];
    }
}
