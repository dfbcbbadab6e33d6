using System;
using System.Management.Automation;
using TcpLb.Engine.Access;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// Set-TcpBalancerAccess: replaces a running balancer's allow list, deny list or both; the
    /// next accepted connection gets the new rules, open connections stay. A list not given is kept.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "TcpBalancerAccess", DefaultParameterSetName = ByJob, SupportsShouldProcess = true, HelpUri = HelpLinks.Docs + "Set-TcpBalancerAccess.md")]
    [OutputType(typeof(TcpBalancerAccessRule))]
    public sealed class SetTcpBalancerAccessCommand : JobTargetCommand<TcpBalancerJob>
    {
        /// <summary>The new allow list (addresses and CIDR ranges); an empty list lets every source not denied in.</summary>
        [Parameter]
        [AllowEmptyCollection]
        [ValidateNotNull]
        public string[]? AllowFrom { get; set; }

        /// <summary>The new deny list; an empty list denies no one.</summary>
        [Parameter]
        [AllowEmptyCollection]
        [ValidateNotNull]
        public string[]? DenyFrom { get; set; }

        /// <summary>Write the rules now in force to the pipeline.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override string JobKind => "balancer";

        protected override void BeginProcessing()
        {
            if (AllowFrom == null && DenyFrom == null)
            {
                Fail("Give -AllowFrom, -DenyFrom or both: the list given replaces the balancer's, the other is kept (an empty list, @(), clears it).", "NoAccessChange", ErrorCategory.InvalidArgument, null);
            }
            // Checked before any balancer changes.
            AccessArgument.Rules(this, AllowFrom, DenyFrom);
        }

        protected override void ProcessRecord()
        {
            foreach (TcpBalancerJob job in ResolveJobs(mustBeRunning: true))
            {
                AccessRules current = job.Balancer.Access.Rules;
                AccessRules next = AccessRules.Create(AllowFrom ?? current.AllowTexts(), DenyFrom ?? current.DenyTexts());
                if (!ShouldProcess($"balancer '{job.Name}'", $"Set access rules: {next}"))
                {
                    continue;
                }
                job.Balancer.SetAccessRules(next);
                WriteVerbose($"Balancer '{job.Name}': {next}.");
                if (PassThru)
                {
                    WriteObject(TcpBalancerAccessRule.Of(job), enumerateCollection: true);
                }
            }
        }
    }
}
