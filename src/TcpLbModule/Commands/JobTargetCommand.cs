using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using TcpLbModule.Completion;
using TcpLbModule.Detached;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// Base of the cmdlets that act on running jobs of one kind, addressed by job object (also
    /// from the pipeline), by name (wildcards allowed) or by id. A detached server of that kind
    /// (piped from Get-TcpBalancer or Get-TcpBackend, or a name that matches no job of this
    /// session) gets the same call, forwarded to its process.
    /// </summary>
    public abstract class JobTargetCommand<TJob> : PSCmdlet
        where TJob : TcpLbJob
    {
        protected const string ByJob = "Job";
        protected const string ByName = "Name";
        protected const string ById = "Id";
        protected const string ByServer = "Server";

        private readonly DetachedServerClient _client = new DetachedServerClient();
        private readonly List<ErrorRecord> _notFound = new List<ErrorRecord>();

        /// <summary>
        /// The jobs; from the pipeline also the status objects of their Get-X (Get-TcpBalancerBackend,
        /// Get-TcpBalancerToxic, Get-TcpBalancerAccess), which stand for the job they came from.
        /// </summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ByJob)]
        [ValidateNotNull]
        [StatusToJobTransformation]
        public TJob[] Job { get; set; } = new TJob[0];

        [Parameter(Mandatory = true, ParameterSetName = ByName)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(JobNameCompleter))]
        public string[] Name { get; set; } = new string[0];

        [Parameter(Mandatory = true, ParameterSetName = ById)]
        [ArgumentCompleter(typeof(JobIdCompleter))]
        public int[] Id { get; set; } = new int[0];

        /// <summary>Detached servers, as Get-TcpBalancer and Get-TcpBackend return them.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ByServer)]
        [ValidateNotNull]
        public DetachedTcpServer[] Server { get; set; } = new DetachedTcpServer[0];

        /// <summary>What the cmdlet calls its jobs in messages ("balancer", "backend").</summary>
        protected abstract string JobKind { get; }

        /// <summary>
        /// The jobs of this session that this call addresses; the detached servers it addresses
        /// get the call first, through <see cref="ForwardTo"/>. A name or id that matches none is
        /// a non-terminating error (JobNotFound) for that name, as Stop-Job -Name does: -ErrorAction
        /// decides, and the jobs that were found are acted on first (the errors are written at the
        /// end, so that even -ErrorAction Stop stops only after them). A job that is no longer running is a
        /// terminating error when <paramref name="mustBeRunning"/>.
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
                            List<DetachedTcpServer> detached = DetachedServerRegistry.Find(ServerKind, pattern, WriteVerbose);
                            if (detached.Count == 0)
                            {
                                NotFound($"No {JobKind} job is named '{name}'. Get-Job lists the jobs of this session; {JobKind} jobs have PSJobTypeName {JobTypeName}. Get-{JobTypeName} lists detached ones too.", name);
                            }
                            detached.ForEach(ForwardTo);
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
                            NotFound($"No {JobKind} job has Id {id}. Get-Job lists the jobs of this session; {JobKind} jobs have PSJobTypeName {JobTypeName}.", id);
                            continue;
                        }
                        jobs.Add(job);
                    }
                    break;
                case ByServer:
                    jobs = new List<TJob>();
                    foreach (DetachedTcpServer server in Server)
                    {
                        if (server.Kind != ServerKind)
                        {
                            Fail($"'{server.Name}' is a detached {server.Kind.ToString().ToLowerInvariant()}, not a {JobKind}.", "WrongServerKind", ErrorCategory.InvalidArgument, server);
                        }
                        ForwardTo(server);
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

        /// <summary>
        /// Runs this cmdlet, with the parameters it was given, in the process of a detached server
        /// (addressed there by its name) and writes what comes back. -WhatIf and -Confirm are
        /// answered here, for the server as a whole.
        /// </summary>
        protected virtual void ForwardTo(DetachedTcpServer server)
        {
            // -WhatIf and -Confirm act here, once per server; the remote command then runs for real.
            if (!ShouldProcess($"detached {JobKind} '{server.Name}' on port {server.Port} ({server.Location})", MyInvocation.MyCommand.Name))
            {
                return;
            }
            System.Collections.Hashtable parameters = DetachedServerClient.ForwardedParameters(this, new[] { nameof(Job), nameof(Name), nameof(Id), nameof(Server), "WhatIf", "Confirm" });
            parameters[nameof(Name)] = new[] { WildcardPattern.Escape(server.Name) };
            ForwardTo(server, parameters);
        }

        /// <summary>Runs this cmdlet in the detached server's process with these parameters.</summary>
        protected void ForwardTo(DetachedTcpServer server, System.Collections.IDictionary parameters, bool endsServer = false)
        {
            WriteVerbose($"Forwarding {MyInvocation.MyCommand.Name} to the detached {JobKind} '{server.Name}' ({server.Location}).");
            _client.Invoke(this, server, MyInvocation.MyCommand.Name, parameters, endsServer);
        }

        /// <summary>
        /// Stop-TcpBalancer and Stop-TcpBackend on a detached server: stops it in its process
        /// (open connections get <paramref name="grace"/>), waits for the process to exit, and
        /// makes sure its entry is gone and its port free; a process that does not exit in time is killed.
        /// </summary>
        protected void StopDetached(DetachedTcpServer server, TimeSpan grace, bool passThru)
        {
            if (ShouldProcess($"detached {JobKind} '{server.Name}' on port {server.Port} ({server.Location})", grace > TimeSpan.Zero ? "Stop after draining" : "Stop"))
            {
                System.Collections.Hashtable parameters = DetachedServerClient.ForwardedParameters(this, new[] { nameof(Job), nameof(Name), nameof(Id), nameof(Server), "PassThru", "WhatIf", "Confirm" });
                parameters[nameof(Name)] = new[] { WildcardPattern.Escape(server.Name) };
                ForwardTo(server, parameters, endsServer: true);
                server.AwaitEnd(grace, WriteWarning);
                WriteVerbose($"Detached {JobKind} '{server.Name}' stopped; its process has exited and port {server.Port} is free.");
            }
            if (passThru)
            {
                WriteObject(server);
            }
        }

        protected override void StopProcessing() => _client.Stop();

        /// <summary>The kind of detached server this cmdlet addresses.</summary>
        protected static TcpServerKind ServerKind => typeof(TJob) == typeof(TcpBalancerJob) ? TcpServerKind.Balancer : TcpServerKind.Backend;

        /// <summary>A job that is not there: a non-terminating error, written once the others have been acted on.</summary>
        private void NotFound(string message, object target)
            => _notFound.Add(new ErrorRecord(new ItemNotFoundException(message), "JobNotFound", ErrorCategory.ObjectNotFound, target));

        /// <summary>Writes the JobNotFound errors; a subclass that overrides EndProcessing calls this base.</summary>
        protected override void EndProcessing()
        {
            foreach (ErrorRecord error in _notFound)
            {
                WriteError(error);
            }
            _notFound.Clear();
        }

        protected void Fail(string message, string errorId, ErrorCategory category, object? target)
            => ThrowTerminatingError(new ErrorRecord(new ArgumentException(message), errorId, category, target));

        private static string JobTypeName => typeof(TJob).Name.Substring(0, typeof(TJob).Name.Length - "Job".Length);

        /// <summary>This session's jobs, and in a detached server's process the job it serves.</summary>
        private IEnumerable<TJob> AllJobs() => JobRepository.Jobs.OfType<TJob>().Concat(DetachedServerHost.HostedJobs.OfType<TJob>()).Distinct();
    }
}
