using System.Management.Automation;
using TcpLb.Engine.Balancing;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// Disable-TcpBalancerBackend: no new connections for the backends; -Drain lets their open
    /// connections finish, otherwise they are closed now.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Disable, "TcpBalancerBackend", DefaultParameterSetName = ByJob, SupportsShouldProcess = true, HelpUri = HelpLinks.Docs + "Disable-TcpBalancerBackend.md")]
    [OutputType(typeof(TcpBalancerBackendStatus))]
    public sealed class DisableTcpBalancerBackendCommand : BalancerBackendCommand
    {
        [Parameter]
        public SwitchParameter Drain { get; set; }

        protected override string Action => Drain ? "Drain backend" : "Disable backend (close its connections)";

        protected override bool Apply(TcpBalancerJob job, BackendAddress address)
        {
            return job.Balancer.DisableBackend(address, Drain) || NotInPool(job, address);
        }
    }
}
