using System;
using System.Collections.Generic;
using System.Management.Automation;
using TcpLb.Engine.Balancing;
using TcpLbModule.Detached;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>Add-TcpBalancerBackend: adds backends to a running balancer's rotation.</summary>
    [Cmdlet(VerbsCommon.Add, "TcpBalancerBackend", DefaultParameterSetName = ByJob, SupportsShouldProcess = true, HelpUri = HelpLinks.Docs + "Add-TcpBalancerBackend.md")]
    [OutputType(typeof(TcpBalancerBackendStatus))]
    public sealed class AddTcpBalancerBackendCommand : BalancerBackendCommand
    {
        private readonly Dictionary<BackendAddress, BackendDefinition> _definitions = new Dictionary<BackendAddress, BackendDefinition>();
        private BackendDefinition[] _given = new BackendDefinition[0];

        /// <summary>Connections open at once to each added backend; 0: no limit. Default: the balancer's -BackendMaxConnections.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int? MaxConnections { get; set; }

        /// <summary>Weight of each added backend (1 to 256); overrides a weight in the backend's own spec.</summary>
        [Parameter]
        [ValidateRange(1, BackendDefinition.MaxWeight)]
        public int? Weight { get; set; }

        /// <summary>Adds the backends as backups: used only while no primary backend is available.</summary>
        [Parameter]
        public SwitchParameter Backup { get; set; }

        protected override string Action => "Add backend";

        /// <summary>Backends may carry settings here: "8081;weight=3", "8082;backup", or a hashtable.</summary>
        protected override BackendAddress[] ConvertBackends()
        {
            BackendDefinition[] definitions = BackendArgument.ConvertAllDefinitions(this, Backend, JobMustBeRunning);
            _definitions.Clear();
            _given = new BackendDefinition[definitions.Length];
            var addresses = new BackendAddress[definitions.Length];
            for (int i = 0; i < definitions.Length; i++)
            {
                BackendDefinition given = definitions[i];
                addresses[i] = given.Address;
                _given[i] = _definitions[given.Address] = new BackendDefinition(
                    given.Address,
                    Weight ?? given.Weight,
                    Backup.IsPresent || given.Backup,
                    MaxConnections ?? given.MaxConnections);
            }
            return addresses;
        }

        /// <summary>A detached balancer gets the backends in their text form, settings merged (jobs and hashtables of jobs do not cross processes).</summary>
        protected override void ForwardTo(DetachedTcpServer server)
        {
            if (!ShouldProcess($"detached {JobKind} '{server.Name}' on port {server.Port} ({server.Location})", MyInvocation.MyCommand.Name))
            {
                return;
            }
            System.Collections.Hashtable parameters = DetachedServerClient.ForwardedParameters(
                this, new[] { nameof(Job), nameof(Name), nameof(Id), nameof(Server), nameof(Weight), nameof(Backup), nameof(MaxConnections), "WhatIf", "Confirm" });
            parameters[nameof(Name)] = new[] { WildcardPattern.Escape(server.Name) };
            parameters[nameof(Backend)] = System.Array.ConvertAll(_given, d => d.ToString());
            ForwardTo(server, parameters);
        }

        /// <summary>As in Start-TcpBalancer: a stopped backend job serves nothing.</summary>
        protected override bool JobMustBeRunning => true;

        protected override bool Apply(TcpBalancerJob job, BackendAddress address)
        {
            try
            {
                job.Balancer.AddBackend(_definitions[address]);
                return true;
            }
            catch (SelfLoopBackendException e)
            {
                Fail($"Cannot add {address} to balancer '{job.Name}': {e.Message}", "BackendIsBalancer", ErrorCategory.InvalidArgument, address.ToString());
            }
            catch (ArgumentException e)
            {
                Fail($"Cannot add {address} to balancer '{job.Name}': {e.Message}", "CannotAddBackend", ErrorCategory.InvalidArgument, address.ToString());
            }
            return false;
        }
    }
}
