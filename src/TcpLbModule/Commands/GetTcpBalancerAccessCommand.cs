using System.Management.Automation;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>Get-TcpBalancerAccess: a balancer's access rules in the order they are checked (deny first), each with the connections it decided.</summary>
    [Cmdlet(VerbsCommon.Get, "TcpBalancerAccess", DefaultParameterSetName = ByJob, HelpUri = HelpLinks.Docs + "Get-TcpBalancerAccess.md")]
    [OutputType(typeof(TcpBalancerAccessRule))]
    public sealed class GetTcpBalancerAccessCommand : JobTargetCommand<TcpBalancerJob>
    {
        protected override string JobKind => "balancer";

        protected override void ProcessRecord()
        {
            foreach (TcpBalancerJob job in ResolveJobs(mustBeRunning: false))
            {
                WriteObject(TcpBalancerAccessRule.Of(job), enumerateCollection: true);
            }
        }
    }
}
