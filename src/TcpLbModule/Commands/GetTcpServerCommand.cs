using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using TcpLbModule.Completion;
using TcpLbModule.Detached;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// Base of Get-TcpBalancer and Get-TcpBackend: the jobs of this session, then the detached
    /// servers of the current user (entries whose process has gone are removed on the way).
    /// </summary>
    public abstract class GetTcpServerCommand<TJob> : PSCmdlet
        where TJob : TcpServerJob
    {
        /// <summary>Names (wildcards allowed); all when omitted.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(JobNameCompleter))]
        public string[]? Name { get; set; }

        protected abstract TcpServerKind Kind { get; }

        protected override void ProcessRecord()
        {
            List<WildcardPattern> patterns = (Name ?? new[] { "*" }).Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
            List<TJob> jobs = JobRepository.Jobs.OfType<TJob>().Where(j => patterns.Any(p => p.IsMatch(j.Name))).OrderBy(j => j.Id).ToList();
            List<DetachedTcpServer> detached = DetachedServerRegistry.Find(Kind, null, WriteVerbose).Where(s => patterns.Any(p => p.IsMatch(s.Name))).ToList();

            jobs.ForEach(WriteObject);
            detached.ForEach(WriteObject);

            foreach (string name in Name ?? new string[0])
            {
                var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                if (!WildcardPattern.ContainsWildcardCharacters(name) && !jobs.Any(j => pattern.IsMatch(j.Name)) && !detached.Any(s => pattern.IsMatch(s.Name)))
                {
                    string kind = Kind.ToString().ToLowerInvariant();
                    WriteError(new ErrorRecord(
                        new ItemNotFoundException($"No {kind} is named '{name}': no Tcp{Kind} job of this session and no detached {kind} of this user."),
                        "TcpServerNotFound",
                        ErrorCategory.ObjectNotFound,
                        name));
                }
            }
        }
    }
}
