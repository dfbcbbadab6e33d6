using System.Management.Automation;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// Get-TcpBalancerStatistics: a balancer's counters as a snapshot, for a job of this session
    /// and for a detached balancer alike (its process takes the snapshot).
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "TcpBalancerStatistics", DefaultParameterSetName = ByJob, HelpUri = HelpLinks.Docs + "Get-TcpBalancerStatistics.md")]
    [OutputType(typeof(TcpBalancerStatistics))]
    public sealed class GetTcpBalancerStatisticsCommand : JobTargetCommand<TcpBalancerJob>
    {
        protected override string JobKind => "balancer";

        protected override void ProcessRecord()
        {
            foreach (TcpBalancerJob job in ResolveJobs(mustBeRunning: false))
            {
                WriteObject(new TcpBalancerStatistics(job));
            }
        }
    }
}
