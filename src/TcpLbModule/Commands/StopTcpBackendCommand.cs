using System;
using System.Management.Automation;
using TcpLbModule.Detached;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// Stop-TcpBackend: stops test backends, jobs of this session (as Stop-Job does) and detached
    /// ones (their processes exit). The port is free when it returns.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Stop, "TcpBackend", DefaultParameterSetName = ByJob, SupportsShouldProcess = true, HelpUri = HelpLinks.Docs + "Stop-TcpBackend.md")]
    [OutputType(typeof(TcpBackendJob), typeof(DetachedTcpServer))]
    public sealed class StopTcpBackendCommand : JobTargetCommand<TcpBackendJob>
    {
        /// <summary>Write each stopped backend to the pipeline.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override string JobKind => "backend";

        protected override void ProcessRecord()
        {
            foreach (TcpBackendJob job in ResolveJobs(mustBeRunning: false))
            {
                if (!job.IsFinished && ShouldProcess($"backend '{job.Name}' on {job.Location}", "Stop"))
                {
                    job.StopJob();
                }
                if (PassThru)
                {
                    WriteObject(job);
                }
            }
        }

        protected override void ForwardTo(DetachedTcpServer server) => StopDetached(server, TimeSpan.Zero, PassThru);
    }
}
