using System;
using System.Management.Automation;
using TcpLb.Engine.Balancing;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>Add-TcpBalancerBackend: adds backends to a running balancer's rotation.</summary>
    [Cmdlet(VerbsCommon.Add, "TcpBalancerBackend", DefaultParameterSetName = ByJob, SupportsShouldProcess = true)]
    [OutputType(typeof(TcpBalancerBackendStatus))]
    public sealed class AddTcpBalancerBackendCommand : BalancerBackendCommand
    {
        /// <summary>Connections open at once to each added backend; 0: no limit. Default: the balancer's -BackendMaxConnections.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int? MaxConnections { get; set; }

        protected override string Action => "Add backend";

        /// <summary>As in Start-TcpBalancer: a stopped backend job serves nothing.</summary>
        protected override bool JobMustBeRunning => true;

        protected override void Apply(TcpBalancerJob job, BackendAddress address)
        {
            try
            {
                job.Balancer.AddBackend(new BackendDefinition(address, maxConnections: MaxConnections));
            }
            catch (SelfLoopBackendException e)
            {
                Fail($"Cannot add {address} to balancer '{job.Name}': {e.Message}", "BackendIsBalancer", ErrorCategory.InvalidArgument, address.ToString());
            }
            catch (ArgumentException e)
            {
                Fail($"Cannot add {address} to balancer '{job.Name}': {e.Message}", "CannotAddBackend", ErrorCategory.InvalidArgument, address.ToString());
            }
        }
    }
}
