using System;
using System.Management.Automation;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Proxying.Toxics;
using TcpLbModule.Completion;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// Add-TcpBalancerToxic: puts a toxic (toxiproxy's latency, bandwidth, slow_close, timeout,
    /// reset_peer, slicer, limit_data) on a running balancer's path, for every backend or one.
    /// New connections get it at once.
    /// </summary>
    [Cmdlet(VerbsCommon.Add, "TcpBalancerToxic", DefaultParameterSetName = ByJob, SupportsShouldProcess = true, HelpUri = HelpLinks.Docs + "Add-TcpBalancerToxic.md")]
    [OutputType(typeof(TcpBalancerToxicStatus))]
    public sealed class AddTcpBalancerToxicCommand : ToxicSettingsCommand
    {
        [Parameter(Mandatory = true)]
        public ToxicType Type { get; set; }

        /// <summary>The only backend whose connections it touches (a port, host:port, [v6]:port or TcpBackend job); all when left out.</summary>
        [Parameter]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(BalancerBackendCompleter))]
        public object? Backend { get; set; }

        /// <summary>Its name; by default type_direction, as toxiproxy names them (latency_downstream).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(NewNameCompleter))]
        public string? ToxicName { get; set; }

        protected override void ProcessRecord()
        {
            ToxicDefinition definition;
            try
            {
                definition = ToxicArgument.Create(Type, Direction, Toxicity, GivenSettings());
            }
            catch (ArgumentException e)
            {
                Fail(e.Message, "InvalidToxic", ErrorCategory.InvalidArgument, Type);
                return;
            }
            BackendAddress? backend = Backend == null ? null : BackendArgument.ConvertAll(this, new[] { Backend }, jobMustBeRunning: false)[0];
            var toxic = new BalancerToxic(definition, backend, ToxicName);

            foreach (TcpBalancerJob job in ResolveJobs(mustBeRunning: true))
            {
                if (!ShouldProcess($"balancer '{job.Name}'", $"Add toxic {toxic}"))
                {
                    continue;
                }
                if (job.Balancer.FindToxic(toxic.Name) != null)
                {
                    Fail($"Balancer '{job.Name}' already has a toxic named '{toxic.Name}'. Give another -ToxicName, change it with Set-TcpBalancerToxic, or remove it first.", "ToxicNameInUse", ErrorCategory.ResourceExists, toxic.Name);
                }
                if (backend != null && job.Balancer.FindBackend(backend) == null)
                {
                    ThrowTerminatingError(BackendArgument.NotInPool(job, backend));
                }
                BalancerToxic live = job.Balancer.AddToxic(toxic);
                WriteVerbose($"Balancer '{job.Name}': toxic {live} added.");
                if (PassThru)
                {
                    WriteObject(new TcpBalancerToxicStatus(job, live));
                }
            }
        }
    }
}
