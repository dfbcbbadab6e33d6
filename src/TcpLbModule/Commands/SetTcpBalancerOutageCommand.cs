using System.Management.Automation;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Net;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// Set-TcpBalancerOutage: sets running balancers down (refusing, holding or resetting new
    /// clients, the listener keeping its port) or, with -Mode None, back up.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "TcpBalancerOutage", DefaultParameterSetName = ByJob, SupportsShouldProcess = true, HelpUri = HelpLinks.Docs + "Set-TcpBalancerOutage.md")]
    [OutputType(typeof(TcpBalancerJob))]
    public sealed class SetTcpBalancerOutageCommand : JobTargetCommand<TcpBalancerJob>
    {
        [Parameter(Mandatory = true, Position = 1)]
        public BalancerOutage Mode { get; set; }

        /// <summary>Write the balancer jobs to the pipeline.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override string JobKind => "balancer";

        protected override void ProcessRecord()
        {
            foreach (TcpBalancerJob job in ResolveJobs(mustBeRunning: true))
            {
                if (ShouldProcess($"balancer '{job.Name}' on {job.Location}", Mode == BalancerOutage.None ? "End the outage" : "Set down: " + Mode))
                {
                    try
                    {
                        job.Balancer.SetOutage(Mode);
                    }
                    catch (ListenerBindException e)
                    {
                        // Ending a Refuse outage could not listen on the port again.
                        ThrowTerminatingError(new ErrorRecord(e, "ListenFailed", ErrorCategory.ResourceUnavailable, job));
                    }
                }
                if (PassThru)
                {
                    WriteObject(job);
                }
            }
        }
    }
}
