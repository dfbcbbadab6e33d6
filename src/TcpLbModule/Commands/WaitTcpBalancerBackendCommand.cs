using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using TcpLb.Engine.Balancing;
using TcpLbModule.Completion;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// Wait-TcpBalancerBackend: blocks until the given backends reach a state (say Down after a
    /// backend is stopped, or Up after it returns), woken by the balancer's state-change events.
    /// A timeout is a terminating error that says where each backend is.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Wait, "TcpBalancerBackend", DefaultParameterSetName = ByJob, HelpUri = HelpLinks.Docs + "Wait-TcpBalancerBackend.md")]
    [OutputType(typeof(TcpBalancerBackendStatus))]
    public sealed class WaitTcpBalancerBackendCommand : JobTargetCommand<TcpBalancerJob>, IDisposable
    {
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();

        /// <summary>Ports, host:port, [v6]:port, or TcpBackend jobs.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(BalancerBackendCompleter))]
        public object[] Backend { get; set; } = new object[0];

        [Parameter(Mandatory = true)]
        public BackendState State { get; set; }

        /// <summary>Milliseconds to wait.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        [Duration]
        public int Timeout { get; set; } = 30_000;

        protected override string JobKind => "balancer";

        protected override void ProcessRecord()
        {
            foreach (TcpBalancerJob job in ResolveJobs(mustBeRunning: true))
            {
                var backends = new List<Backend>();
                foreach (BackendAddress address in BackendArgument.ConvertAll(this, Backend, jobMustBeRunning: false))
                {
                    Backend? backend = job.Balancer.FindBackend(address);
                    if (backend == null)
                    {
                        WriteError(BackendArgument.NotInPool(job, address));
                        continue;
                    }
                    backends.Add(backend);
                }
                if (backends.Count == 0)
                {
                    continue;
                }
                WaitFor(job, backends);
                foreach (Backend backend in backends)
                {
                    WriteObject(new TcpBalancerBackendStatus(job, backend));
                }
            }
        }

        protected override void StopProcessing()
        {
            _stop.Cancel();
            base.StopProcessing();
        }

        public void Dispose() => _stop.Dispose();

        private void WaitFor(TcpBalancerJob job, List<Backend> backends)
        {
            using (var changed = new AutoResetEvent(false))
            {
                EventHandler<BackendStateChangedEventArgs> onChange = (sender, e) => changed.Set();
                job.Balancer.BackendStateChanged += onChange;
                try
                {
                    DateTime deadline = DateTime.UtcNow.AddMilliseconds(Timeout);
                    while (!backends.All(b => b.State == State))
                    {
                        TimeSpan left = deadline - DateTime.UtcNow;
                        if (left <= TimeSpan.Zero)
                        {
                            string where = string.Join("; ", backends.Where(b => b.State != State).Select(b => $"{b.Address} is {b.State}" + (b.LastError != null ? $" (last error: {b.LastError})" : "")));
                            ThrowTerminatingError(new ErrorRecord(
                                new TimeoutException($"Backends of balancer '{job.Name}' did not reach {State} within {Timeout} ms: {where}."),
                                "WaitTimeout",
                                ErrorCategory.OperationTimeout,
                                job));
                        }
                        if (WaitHandle.WaitAny(new[] { changed, _stop.Token.WaitHandle }, left) == 1)
                        {
                            throw new PipelineStoppedException();
                        }
                    }
                }
                finally
                {
                    job.Balancer.BackendStateChanged -= onChange;
                }
            }
        }
    }
}
