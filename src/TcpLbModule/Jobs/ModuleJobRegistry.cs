using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation.Runspaces;

namespace TcpLbModule.Jobs
{
    /// <summary>
    /// The module's running jobs and the runspace that started each, so that removing the module
    /// from a runspace stops what that runspace started (and nothing of another runspace's).
    /// </summary>
    internal static class ModuleJobRegistry
    {
        private static readonly ConcurrentDictionary<TcpLbJob, Guid> Running = new ConcurrentDictionary<TcpLbJob, Guid>();

        /// <summary>Called on the pipeline thread of the runspace that starts the job.</summary>
        public static void Add(TcpLbJob job) => Running[job] = CurrentRunspaceId();

        public static void Remove(TcpLbJob job) => Running.TryRemove(job, out _);

        /// <summary>The running jobs of every runspace of the process, oldest first, whichever runspace started them (names, statistics, the dashboard).</summary>
        public static IEnumerable<TcpLbJob> RunningInProcess() => Running.Keys.OrderBy(job => job.Id).ToList();

        /// <summary>The running jobs started by the current runspace, oldest first (for tab completion).</summary>
        public static IEnumerable<TcpLbJob> RunningInCurrentRunspace()
        {
            Guid runspace = CurrentRunspaceId();
            return Running.Where(entry => entry.Value == runspace).Select(entry => entry.Key).OrderBy(job => job.Id).ToList();
        }

        /// <summary>Stops the jobs started by the current runspace.</summary>
        public static void StopAllOfCurrentRunspace()
        {
            Guid runspace = CurrentRunspaceId();
            foreach (var entry in Running)
            {
                if (entry.Value == runspace)
                {
                    entry.Key.StopJob();
                }
            }
        }

        private static Guid CurrentRunspaceId() => Runspace.DefaultRunspace?.InstanceId ?? Guid.Empty;
    }
}
