using System.Linq;
using System.Management.Automation;
using TcpLbModule.Completion;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>Get-TcpBalancerToxic: a balancer's toxics, in the order they act, with the connections each touched.</summary>
    [Cmdlet(VerbsCommon.Get, "TcpBalancerToxic", DefaultParameterSetName = ByJob, HelpUri = HelpLinks.Docs + "Get-TcpBalancerToxic.md")]
    [OutputType(typeof(TcpBalancerToxicStatus))]
    public sealed class GetTcpBalancerToxicCommand : JobTargetCommand<TcpBalancerJob>
    {
        /// <summary>Only these toxics (wildcards allowed).</summary>
        [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ToxicNameCompleter))]
        public string[]? ToxicName { get; set; }

        protected override string JobKind => "balancer";

        protected override void ProcessRecord()
        {
            foreach (TcpBalancerJob job in ResolveJobs(mustBeRunning: false))
            {
                TcpBalancerToxicStatus[] toxics = job.ToxicStatus();
                if (ToxicName == null)
                {
                    WriteObject(toxics, enumerateCollection: true);
                    continue;
                }
                foreach (string name in ToxicName)
                {
                    var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                    TcpBalancerToxicStatus[] matched = toxics.Where(t => pattern.IsMatch(t.ToxicName)).ToArray();
                    if (matched.Length == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
                    {
                        WriteError(new ErrorRecord(
                            new ItemNotFoundException($"Balancer '{job.Name}' has no toxic named '{name}'. Its toxics: {(toxics.Length == 0 ? "none" : string.Join(", ", toxics.Select(t => t.ToxicName)))}."),
                            "ToxicNotFound",
                            ErrorCategory.ObjectNotFound,
                            name));
                    }
                    WriteObject(matched, enumerateCollection: true);
                }
            }
        }
    }
}
