using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using TcpLbModule.Completion;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// Base of the cmdlets that act on running jobs of one kind, addressed by job object (also
    /// from the pipeline), by name (wildcards allowed) or by id.
    /// </summary>
    public abstract class JobTargetCommand<TJob> : PSCmdlet
        where TJob : TcpLbJob
    {
        protected const string ByJob = "Job";
        protected const string ByName = "Name";
        protected const string ById = "Id";

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ByJob)]
        [ValidateNotNull]
        public TJob[] Job { get; set; } = new TJob[0];

        [Parameter(Mandatory = true, ParameterSetName = ByName)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(JobNameCompleter))]
        public string[] Name { get; set; } = new string[0];

        [Parameter(Mandatory = true, ParameterSetName = ById)]
        [ArgumentCompleter(typeof(JobIdCompleter))]
        public int[] Id { get; set; } = new int[0];

        /// <summary>What the cmdlet calls its jobs in messages ("balancer", "backend").</summary>
        protected abstract string JobKind { get; }

        /// <summary>
        /// The jobs this call addresses. A name or id that matches none is a terminating error;
        /// so is a job that is no longer running, when <paramref name="mustBeRunning"/>.
        /// </summary>
        protected IReadOnlyList<TJob> ResolveJobs(bool mustBeRunning)
        {
            List<TJob> jobs;
            switch (ParameterSetName)
            {
                case ByName:
                    jobs = new List<TJob>();
                    foreach (string name in Name)
                    {
                        var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                        var matched = AllJobs().Where(j => pattern.IsMatch(j.Name)).ToList();
                        if (matched.Count == 0)
                        {
                            Fail($"No {JobKind} job is named '{name}'. Get-Job lists the jobs of this session; {JobKind} jobs have PSJobTypeName {JobTypeName}.", "JobNotFound", ErrorCategory.ObjectNotFound, name);
                        }
                        jobs.AddRange(matched);
                    }
                    break;
                case ById:
                    jobs = new List<TJob>();
                    foreach (int id in Id)
                    {
                        TJob? job = AllJobs().FirstOrDefault(j => j.Id == id);
                        if (job == null)
                        {
                            Fail($"No {JobKind} job has Id {id}. Get-Job lists the jobs of this session; {JobKind} jobs have PSJobTypeName {JobTypeName}.", "JobNotFound", ErrorCategory.ObjectNotFound, id);
                        }
                        jobs.Add(job!);
                    }
                    break;
                default:
                    jobs = Job.ToList();
                    break;
            }
            if (mustBeRunning)
            {
                foreach (TJob job in jobs)
                {
                    if (job.JobStateInfo.State != JobState.Running)
                    {
                        Fail($"The {JobKind} job '{job.Name}' (Id {job.Id}) is {job.JobStateInfo.State}, not Running.", "JobNotRunning", ErrorCategory.InvalidOperation, job);
                    }
                }
            }
            return jobs.Distinct().ToList();
        }

        protected void Fail(string message, string errorId, ErrorCategory category, object? target)
            => ThrowTerminatingError(new ErrorRecord(new ArgumentException(message), errorId, category, target));

        private static string JobTypeName => typeof(TJob).Name.Substring(0, typeof(TJob).Name.Length - "Job".Length);

        private IEnumerable<TJob> AllJobs() => JobRepository.Jobs.OfType<TJob>();
    }
}
