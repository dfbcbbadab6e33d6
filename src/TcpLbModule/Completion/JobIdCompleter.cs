using System.Globalization;
using System.Management.Automation;
using TcpLbModule.Jobs;

namespace TcpLbModule.Completion
{
    /// <summary>Completes -Id with the ids of running balancer (or, for Set-TcpBackend, backend) jobs; typing a name or port finds them too.</summary>
    public sealed class JobIdCompleter : JobArgumentCompleter
    {
        protected override CompletionResult Complete(TcpLbJob job, string wordToComplete)
        {
            string id = job.Id.ToString(CultureInfo.InvariantCulture);
            return new CompletionResult(id, $"{id} {job.Name}", CompletionResultType.ParameterValue, Describe(job));
        }
    }
}
