using System;
using System.Collections.Generic;
using System.Management.Automation;
using TcpLb.Engine.Balancing;
using TcpLbModule.Completion;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>Base of the cmdlets that change a running balancer's backends (-Backend names them).</summary>
    public abstract class BalancerBackendCommand : JobTargetCommand<TcpBalancerJob>
    {
        /// <summary>Ports, host:port, [v6]:port, or TcpBackend jobs.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(BalancerBackendCompleter))]
        public object[] Backend { get; set; } = new object[0];

        /// <summary>Write the changed backends' status to the pipeline.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override string JobKind => "balancer";

        protected override void ProcessRecord()
        {
            BackendAddress[] addresses = ConvertBackends();
            BackendArgument.EnsureDistinct(this, addresses);
            foreach (TcpBalancerJob job in ResolveJobs(mustBeRunning: true))
            {
                foreach (BackendAddress address in addresses)
                {
                    if (!ShouldProcess($"{address} on balancer '{job.Name}'", Action))
                    {
                        continue;
                    }
                    // Looked up before the change too: a removed backend is no longer in the pool.
                    Backend? before = job.Balancer.FindBackend(address);
                    if (!Apply(job, address))
                    {
                        continue;
                    }
                    Backend? backend = before ?? job.Balancer.FindBackend(address);
                    if (PassThru && backend != null)
                    {
                        WriteObject(new TcpBalancerBackendStatus(job, backend));
                    }
                }
            }
        }

        /// <summary>The -Backend values as addresses; stops the cmdlet with InvalidBackend on a bad one.</summary>
        protected virtual BackendAddress[] ConvertBackends() => BackendArgument.ConvertAll(this, Backend, JobMustBeRunning);

        /// <summary>Whether a backend job given as -Backend must be running (to add it) or may have stopped (to name a backend already in the pool).</summary>
        protected virtual bool JobMustBeRunning => false;

        /// <summary>The verb for ShouldProcess ("Add backend", ...).</summary>
        protected abstract string Action { get; }

        /// <summary>Changes one backend of one balancer; false (after <see cref="NotInPool"/> or similar) when it did not.</summary>
        protected abstract bool Apply(TcpBalancerJob job, BackendAddress address);

        /// <summary>A backend that is not in the pool: a non-terminating error, so the other backends are still acted on.</summary>
        protected bool NotInPool(TcpBalancerJob job, BackendAddress address)
        {
            WriteError(BackendArgument.NotInPool(job, address));
            return false;
        }
    }
}
