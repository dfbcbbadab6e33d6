using System;
using System.Linq;
using System.Management.Automation;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Proxying.Toxics;
using TcpLbModule.Completion;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// Set-TcpBalancerToxic: changes a toxic's settings, direction or toxicity (its type stays).
    /// Only the parameters given change. New connections get the change at once; open ones too
    /// for latency, jitter, rate and slicing, which are read for each chunk.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "TcpBalancerToxic", DefaultParameterSetName = ByJob, SupportsShouldProcess = true, HelpUri = HelpLinks.Docs + "Set-TcpBalancerToxic.md")]
    [OutputType(typeof(TcpBalancerToxicStatus))]
    public sealed class SetTcpBalancerToxicCommand : ToxicSettingsCommand
    {
        /// <summary>The toxics to change (wildcards allowed).</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ToxicNameCompleter))]
        public string[] ToxicName { get; set; } = new string[0];

        protected override void BeginProcessing()
        {
            if (!Given(nameof(Direction)) && !Given(nameof(Toxicity)) && GivenSettings().Count == 0)
            {
                Fail($"Nothing to change: give -Direction, -Toxicity or a setting of the toxic's type ({string.Join(", ", ToxicArgument.AllSettings.Select(s => "-" + s))}).", "NothingToChange", ErrorCategory.InvalidArgument, null);
            }
        }

        protected override void ProcessRecord()
        {
            ToxicDirection? direction = Given(nameof(Direction)) ? Direction : (ToxicDirection?)null;
            double? toxicity = Given(nameof(Toxicity)) ? Toxicity : (double?)null;
            foreach (TcpBalancerJob job in ResolveJobs(mustBeRunning: true))
            {
                foreach (BalancerToxic toxic in ToxicResolver.Resolve(this, job, ToxicName))
                {
                    ToxicDefinition changed;
                    try
                    {
                        changed = ToxicArgument.Change(toxic.Definition, direction, toxicity, GivenSettings());
                    }
                    catch (ArgumentException e)
                    {
                        Fail(e.Message, "InvalidToxic", ErrorCategory.InvalidArgument, toxic.Name);
                        return;
                    }
                    if (!ShouldProcess($"toxic '{toxic.Name}' on balancer '{job.Name}'", $"Set {changed}"))
                    {
                        continue;
                    }
                    job.Balancer.SetToxic(toxic.Name, changed);
                    WriteVerbose($"Balancer '{job.Name}': toxic {toxic} changed.");
                    if (PassThru)
                    {
                        WriteObject(new TcpBalancerToxicStatus(job, toxic));
                    }
                }
            }
        }
    }
}
