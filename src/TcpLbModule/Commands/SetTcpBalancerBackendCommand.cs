using System.Management.Automation;
using TcpLb.Engine.Balancing;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>Set-TcpBalancerBackend: changes a running balancer's backends (their weight) for new connections.</summary>
    [Cmdlet(VerbsCommon.Set, "TcpBalancerBackend", DefaultParameterSetName = ByJob, SupportsShouldProcess = true, HelpUri = HelpLinks.Docs + "Set-TcpBalancerBackend.md")]
    [OutputType(typeof(TcpBalancerBackendStatus))]
    public sealed class SetTcpBalancerBackendCommand : BalancerBackendCommand
    {
        /// <summary>The new weight, 1 to 256: the backend's share of new connections relative to the others.</summary>
        [Parameter(Mandatory = true)]
        [ValidateRange(1, BackendDefinition.MaxWeight)]
        public int Weight { get; set; }

        protected override string Action => "Set weight to " + Weight;

        protected override bool Apply(TcpBalancerJob job, BackendAddress address)
        {
            return job.Balancer.SetWeight(address, Weight) || NotInPool(job, address);
        }
    }
}
