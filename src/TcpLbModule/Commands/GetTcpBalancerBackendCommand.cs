using System.Linq;
using System.Management.Automation;
using TcpLb.Engine.Balancing;
using TcpLbModule.Completion;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>Get-TcpBalancerBackend: each backend's state and counters, as a snapshot.</summary>
    [Cmdlet(VerbsCommon.Get, "TcpBalancerBackend", DefaultParameterSetName = ByJob, HelpUri = HelpLinks.Docs + "Get-TcpBalancerBackend.md")]
    [OutputType(typeof(TcpBalancerBackendStatus))]
    public sealed class GetTcpBalancerBackendCommand : JobTargetCommand<TcpBalancerJob>
    {
        /// <summary>Only these backends (ports, host:port, [v6]:port or TcpBackend jobs).</summary>
        [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(BalancerBackendCompleter))]
        public object[]? Backend { get; set; }

        protected override string JobKind => "balancer";

        protected override void ProcessRecord()
        {
            BackendAddress[]? wanted = Backend == null ? null : BackendArgument.ConvertAll(this, Backend, jobMustBeRunning: false);

            foreach (TcpBalancerJob job in ResolveJobs(mustBeRunning: false))
            {
                foreach (TcpBalancerBackendStatus status in job.BackendStatus())
                {
                    if (wanted == null || wanted.Any(w => w.ToString() == status.Backend))
                    {
                        WriteObject(status);
                    }
                }
            }
        }
    }
}
