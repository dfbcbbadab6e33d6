using System.Management.Automation;
using TcpLb.Engine.Balancing;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>Enable-TcpBalancerBackend: puts disabled or draining backends back into the rotation.</summary>
    [Cmdlet(VerbsLifecycle.Enable, "TcpBalancerBackend", DefaultParameterSetName = ByJob, SupportsShouldProcess = true, HelpUri = HelpLinks.Docs + "Enable-TcpBalancerBackend.md")]
    [OutputType(typeof(TcpBalancerBackendStatus))]
    public sealed class EnableTcpBalancerBackendCommand : BalancerBackendCommand
    {
        protected override string Action => "Enable backend";

        protected override bool Apply(TcpBalancerJob job, BackendAddress address)
        {
            return job.Balancer.EnableBackend(address) || NotInPool(job, address);
        }
    }
}
