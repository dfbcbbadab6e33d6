using System;
using System.Management.Automation;
using System.Threading;
using TcpLbModule.Detached;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// Stop-TcpBalancer: stops accepting at once; with -Drain, open connections get -Timeout
    /// milliseconds to finish before the rest are closed. The port is free when it returns.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Stop, "TcpBalancer", DefaultParameterSetName = ByJob, SupportsShouldProcess = true, HelpUri = HelpLinks.Docs + "Stop-TcpBalancer.md")]
    [OutputType(typeof(TcpBalancerJob), typeof(DetachedTcpServer))]
    public sealed class StopTcpBalancerCommand : JobTargetCommand<TcpBalancerJob>, IDisposable
    {
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();

        [Parameter]
        public SwitchParameter Drain { get; set; }

        /// <summary>With -Drain: milliseconds to wait for open connections before closing them.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        [Duration]
        public int Timeout { get; set; } = 30_000;

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override string JobKind => "balancer";

        protected override void StopProcessing()
        {
            _stop.Cancel();
            base.StopProcessing();
        }

        public void Dispose() => _stop.Dispose();

        protected override void ForwardTo(DetachedTcpServer server) => StopDetached(server, Drain ? TimeSpan.FromMilliseconds(Timeout) : TimeSpan.Zero, PassThru);

        protected override void ProcessRecord()
        {
            foreach (TcpBalancerJob job in ResolveJobs(mustBeRunning: false))
            {
                if (job.IsFinished || !ShouldProcess($"balancer '{job.Name}' on {job.Location}", Drain ? "Stop after draining" : "Stop"))
                {
                    if (PassThru)
                    {
                        WriteObject(job);
                    }
                    continue;
                }
                if (Drain)
                {
                    WriteVerbose($"Balancer '{job.Name}' stopped accepting; waiting up to {Timeout} ms for {job.Active} open connection(s).");
                }
                // Ctrl+C during a drain closes the remaining connections at once: the balancer stops either way.
                job.StopJob(Drain ? TimeSpan.FromMilliseconds(Timeout) : TimeSpan.Zero, _stop.Token);
                if (_stop.IsCancellationRequested)
                {
                    throw new PipelineStoppedException();
                }
                if (PassThru)
                {
                    WriteObject(job);
                }
            }
        }
    }
}
