using System.Management.Automation;
using TcpLbModule.Jobs;

namespace TcpLbModule.Completion
{
    /// <summary>Completes -Name with the names of running balancer (or, for Set-TcpBackend, backend) jobs; typing a port or id finds them too.</summary>
    public sealed class JobNameCompleter : JobArgumentCompleter
    {
        protected override CompletionResult Complete(TcpLbJob job, string wordToComplete)
            => CompletionText.Result(job.Name, job.Name, Describe(job), wordToComplete);
    }
}
