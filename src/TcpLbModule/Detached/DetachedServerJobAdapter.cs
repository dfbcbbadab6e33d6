using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace TcpLbModule.Detached
{
    /// <summary>
    /// Hands the user's live detached servers to PowerShell's job cmdlets as jobs of this session
    /// (<see cref="DetachedServerJob"/>): Import-Module registers it with the session's JobManager,
    /// as it does every JobSourceAdapter of a module. A bare Get-Job lists the servers this
    /// process started and those it has named (Get-Job -Name, Receive-Job -Name), as Get-Job
    /// lists the jobs of its own session only: a cleanup such as Get-Job | Remove-Job -Force
    /// never stops a server another CI step or terminal started. By name, every live server of
    /// the user is found. Each look-up reads the registry, so ended servers turn Stopped; a watch
    /// on the runtime folder brings their records in as they are written (Receive-Job -Wait).
    /// </summary>
    public sealed class DetachedServerJobAdapter : JobSourceAdapter
    {
        private readonly object _lock = new object();
        private readonly List<DetachedServerJob> _jobs = new List<DetachedServerJob>();
        private System.IO.FileSystemWatcher? _watcher;

        public DetachedServerJobAdapter()
        {
            Name = nameof(DetachedServerJobAdapter);
        }

        /// <summary>
        /// The pids of the live detached servers this process started: in its Get-Job from the
        /// start. A pid goes at the first look-up that no longer finds its server, so the set stays
        /// as small as the servers running, and a reused pid never passes for one of ours.
        /// </summary>
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, bool> StartedHere = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();

        /// <summary>A detached server this process has just started: a job of this session.</summary>
        internal static void OnStarted(DetachedTcpServer server) => StartedHere[server.Pid] = true;

        public override IList<Job2> GetJobs() => Current(null).Cast<Job2>().ToList();

        public override IList<Job2> GetJobsByName(string name, bool recurse)
        {
            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            return Current(pattern).Where(job => pattern.IsMatch(job.Name)).Cast<Job2>().ToList();
        }

        public override IList<Job2> GetJobsByCommand(string command, bool recurse)
        {
            var pattern = new WildcardPattern(command, WildcardOptions.IgnoreCase);
            return Current(null).Where(job => pattern.IsMatch(job.Command)).Cast<Job2>().ToList();
        }

        public override IList<Job2> GetJobsByState(JobState state, bool recurse)
            => Current(null).Where(job => job.JobStateInfo.State == state).Cast<Job2>().ToList();

        public override IList<Job2> GetJobsByFilter(Dictionary<string, object> filter, bool recurse) => new List<Job2>();

        public override Job2? GetJobByInstanceId(Guid instanceId, bool recurse)
        {
            lock (_lock)
            {
                return _jobs.FirstOrDefault(job => job.InstanceId == instanceId);
            }
        }

        public override Job2? GetJobBySessionId(int id, bool recurse) => Current(null).FirstOrDefault(job => job.Id == id);

        public override Job2 NewJob(JobInvocationInfo specification)
            => throw new NotSupportedException("Detached servers are started by Start-TcpBalancer -Detached and Start-TcpBackend -Detached.");

        /// <summary>Remove-Job: out of this session's view (the server, if it still runs, is not touched).</summary>
        public override void RemoveJob(Job2 job)
        {
            lock (_lock)
            {
                _jobs.Remove((DetachedServerJob)job);
            }
        }

        /// <summary>
        /// This session's view, brought up to date with the registry and the journals; live servers
        /// this process started, and those whose name matches <paramref name="named"/>, join it.
        /// </summary>
        private List<DetachedServerJob> Current(WildcardPattern? named)
        {
            if (DetachedServerHost.IsServing)
            {
                return new List<DetachedServerJob>();
            }
            // Taken before the registry is read: a server started meanwhile is not in this look-up, and keeps its pid.
            int[] startedBefore = StartedHere.Keys.ToArray();
            List<DetachedTcpServer> live = DetachedServerRegistry.Find(null, null, null);
            foreach (int pid in startedBefore)
            {
                if (!live.Any(server => server.Pid == pid))
                {
                    StartedHere.TryRemove(pid, out _);
                }
            }
            List<DetachedServerJob> view;
            lock (_lock)
            {
                foreach (DetachedTcpServer server in live)
                {
                    bool joins = StartedHere.ContainsKey(server.Pid) || named != null && named.IsMatch(server.Name);
                    if (joins && !_jobs.Any(job => job.Is(server.Entry)))
                    {
                        _jobs.Add(new DetachedServerJob(server));
                    }
                }
                view = _jobs.ToList();
                if (_jobs.Count > 0)
                {
                    Watch();
                }
            }
            foreach (DetachedServerJob job in view)
            {
                job.Refresh();
                if (!job.IsFinished && !live.Any(server => job.Is(server.Entry)))
                {
                    job.Ended();
                }
            }
            return view;
        }

        /// <summary>One watch per session on the runtime folder: a journal that grows is read at once; an entry that goes ends its job.</summary>
        private void Watch()
        {
            if (_watcher != null)
            {
                return;
            }
            string? folder = RuntimeFolder.Existing();
            if (folder == null)
            {
                return;
            }
            var watcher = new System.IO.FileSystemWatcher(folder) { IncludeSubdirectories = false };
            watcher.Changed += (sender, e) => OnChanged(e.Name);
            watcher.Created += (sender, e) => OnChanged(e.Name);
            watcher.Renamed += (sender, e) => OnChanged(e.Name);
            watcher.Deleted += (sender, e) => OnDeleted(e.Name);
            watcher.EnableRaisingEvents = true;
            _watcher = watcher;
        }

        private void OnChanged(string? file)
        {
            foreach (DetachedServerJob job in JobsOf(file, ".journal"))
            {
                Safely(job.Refresh);
            }
        }

        private void OnDeleted(string? file)
        {
            if (file == null || !file.EndsWith(".json", StringComparison.Ordinal))
            {
                return;
            }
            List<DetachedServerJob> running;
            lock (_lock)
            {
                running = _jobs.Where(job => !job.IsFinished).ToList();
            }
            if (running.Count == 0)
            {
                return;
            }
            List<DetachedTcpServer> live;
            try
            {
                live = DetachedServerRegistry.Find(null, null, null);
            }
            catch (UnsafeRegistryException)
            {
                return;
            }
            foreach (DetachedServerJob job in running.Where(job => !live.Any(server => job.Is(server.Entry))))
            {
                Safely(job.Refresh);
                Safely(() => job.Ended());
            }
        }

        private List<DetachedServerJob> JobsOf(string? file, string extension)
        {
            if (file == null || !file.Contains(extension))
            {
                return new List<DetachedServerJob>();
            }
            lock (_lock)
            {
                return _jobs.Where(job => file.StartsWith(job.Server.Entry.PipeName + extension, StringComparison.Ordinal)).ToList();
            }
        }

        /// <summary>The watch's events run on the thread pool: an exception there would end the process.</summary>
        private static void Safely(Action action)
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                // Whatever it was, the next look-up (Get-Job, Receive-Job -Name) reads it again, and says why if it fails.
                System.Diagnostics.Trace.WriteLine("TcpLbModule: reading a detached server's journal failed: " + e);
            }
        }
    }
}
