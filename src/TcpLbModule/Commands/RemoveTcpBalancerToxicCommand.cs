using System.Management.Automation;
using TcpLb.Engine.Balancing;
using TcpLbModule.Completion;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// Remove-TcpBalancerToxic: takes toxics off a balancer's path. New connections no longer get
    /// them; open connections stop being delayed, paced or sliced by them.
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "TcpBalancerToxic", DefaultParameterSetName = ByJob, SupportsShouldProcess = true, HelpUri = HelpLinks.Docs + "Remove-TcpBalancerToxic.md")]
    [OutputType(typeof(void))]
    public sealed class RemoveTcpBalancerToxicCommand : JobTargetCommand<TcpBalancerJob>
    {
        /// <summary>The toxics to remove (wildcards allowed: * removes them all).</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ToxicNameCompleter))]
        public string[] ToxicName { get; set; } = new string[0];

        protected override string JobKind => "balancer";

        protected override void ProcessRecord()
        {
            foreach (TcpBalancerJob job in ResolveJobs(mustBeRunning: true))
            {
                foreach (BalancerToxic toxic in ToxicResolver.Resolve(this, job, ToxicName))
                {
                    if (ShouldProcess($"toxic '{toxic.Name}' on balancer '{job.Name}'", "Remove toxic"))
                    {
                        job.Balancer.RemoveToxic(toxic.Name);
                        WriteVerbose($"Balancer '{job.Name}': toxic {toxic} removed.");
                    }
                }
            }
        }
    }
}
