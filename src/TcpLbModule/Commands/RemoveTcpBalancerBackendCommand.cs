using System.Management.Automation;
using TcpLb.Engine.Balancing;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>Remove-TcpBalancerBackend: takes backends out of the rotation; their open connections finish.</summary>
    [Cmdlet(VerbsCommon.Remove, "TcpBalancerBackend", DefaultParameterSetName = ByJob, SupportsShouldProcess = true, HelpUri = HelpLinks.Docs + "Remove-TcpBalancerBackend.md")]
    [OutputType(typeof(TcpBalancerBackendStatus))]
    public sealed class RemoveTcpBalancerBackendCommand : BalancerBackendCommand
    {
        protected override string Action => "Remove backend";

        protected override bool Apply(TcpBalancerJob job, BackendAddress address)
        {
            return job.Balancer.RemoveBackend(address) || NotInPool(job, address);
        }
    }
}
