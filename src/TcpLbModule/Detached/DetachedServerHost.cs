using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Threading;
using TcpLbModule.Jobs;

namespace TcpLbModule.Detached
{
    /// <summary>
    /// The detached server's side, in its own pwsh process (started by
    /// <see cref="DetachedServerLauncher"/>): registers the server, tells the parent it is ready,
    /// and serves until the job stops. Remote runspaces that clients open on the process's pipe
    /// see the hosted job as if it were theirs, so every control cmdlet works there unchanged.
    /// </summary>
    public static class DetachedServerHost
    {
        /// <summary>The line the parent waits for, then the server's name.</summary>
        internal const string ReadySignal = "tcplb-ready";

        /// <summary>The line the parent gets instead, then the error (see <see cref="DetachedStartError"/>).</summary>
        internal const string FailedSignal = "tcplb-failed";

        private static TcpServerJob? _hosted;
        private static DetachedServerEntry? _entry;
        private static readonly List<TcpLbJob> Companions = new List<TcpLbJob>();

        /// <summary>The job this process serves for other processes (none in an ordinary session).</summary>
        internal static IEnumerable<TcpServerJob> HostedJobs => _hosted == null ? new TcpServerJob[0] : new[] { _hosted };

        /// <summary>Whether this process is a detached server's (its Get-Job lists no other detached servers).</summary>
        internal static bool IsServing => _hosted != null;

        /// <summary>
        /// A job that serves beside the hosted one (a dashboard started from another process): kept
        /// for the life of the process, stopped when the hosted job has stopped.
        /// </summary>
        internal static void AddCompanion(TcpLbJob job)
        {
            lock (Companions)
            {
                Companions.Add(job);
            }
        }

        /// <summary>
        /// Called by the child's script with the job that Start-TcpBalancer or Start-TcpBackend
        /// returned: registers it, signals ready on stdout, then blocks until the job has stopped
        /// and removes the entry. A taken name stops the job and throws.
        /// </summary>
        public static void Serve(TcpServerJob job, string pipeName, string modulePath)
        {
            if (UnixNative.IsUnix)
            {
                UnixNative.SetSid();
            }
            _hosted = job;
            Process self = Process.GetCurrentProcess();
            var entry = new DetachedServerEntry
            {
                Name = job.Name,
                Kind = (job is TcpBalancerJob ? TcpServerKind.Balancer : TcpServerKind.Backend).ToString(),
                Pid = self.Id,
                ProcessStartTime = DetachedProcess.StartTimeOf(self),
                Port = job.Port,
                ListenAddress = job.ListenAddress,
                PipeName = pipeName,
                StartedAt = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
                ModulePath = modulePath,
            };
            ShowSettings(entry, job);
            if (UnixNative.IsUnix && !File.Exists(DetachedPipeFiles.PathOf(pipeName)))
            {
                job.StopJob();
                throw new InvalidOperationException($"PowerShell did not open its pipe {DetachedPipeFiles.PathOf(pipeName)} (pwsh -CustomPipeName {pipeName}).");
            }
            _entry = entry;
            bool added;
            DetachedJournalWriter journal;
            try
            {
                // The journal first, so that whoever finds the entry finds the records too.
                journal = new DetachedJournalWriter(job, RuntimeFolder.Ensure(), pipeName);
                added = DetachedServerRegistry.TryAdd(entry);
            }
            catch
            {
                job.StopJob(); // a registry that is not the user's alone (UnsafeRegistryException)
                DetachedJournal.Delete(pipeName);
                throw;
            }
            if (!added)
            {
                journal.Dispose();
                DetachedJournal.Delete(pipeName);
                job.StopJob();
                ErrorRecord taken = NameTaken(job.Name);
                throw new RuntimeException(taken.Exception.Message, taken.Exception, taken);
            }
            // A kill by signal (SIGTERM, Ctrl+Break) still takes the entry away, and the pipe's
            // socket file (which PowerShell may open again after a client leaves) goes at the very end.
            EventHandler onExit = (sender, e) => DetachedServerRegistry.Forget(entry);
            AppDomain.CurrentDomain.ProcessExit += onExit;
            try
            {
                Console.Out.WriteLine(ReadySignal + " " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(job.Name)));
                Console.Out.Flush();
                // The parent stops reading now and may exit: nothing may be written to its pipes again.
                Console.SetOut(TextWriter.Null);
                Console.SetError(TextWriter.Null);
                Console.SetIn(TextReader.Null);
                job.Finished.WaitOne();
            }
            finally
            {
                lock (Companions)
                {
                    Companions.ForEach(companion => companion.StopJob());
                    Companions.Clear();
                }
                journal.Finish();
                journal.Dispose();
                // The pipe's file goes too: the client that stopped the server keeps its connection.
                DetachedServerRegistry.Forget(entry);
                AppDomain.CurrentDomain.ProcessExit -= onExit;
            }
        }

        /// <summary>
        /// After a reload of <paramref name="job"/> (Update-TcpBalancer, run in this process for a client):
        /// when it is the hosted job, its registry entry shows the settings it now runs with.
        /// </summary>
        internal static void Reconfigured(TcpServerJob job)
        {
            DetachedServerEntry? entry = _entry;
            if (entry == null || !ReferenceEquals(job, _hosted))
            {
                return;
            }
            lock (entry)
            {
                string? before = entry.Algorithm;
                ShowSettings(entry, job);
                if (entry.Algorithm != before)
                {
                    DetachedServerRegistry.Rewrite(entry);
                }
            }
        }

        /// <summary>What Get-TcpBalancer shows of a balancer without asking its process: its transport and algorithm.</summary>
        private static void ShowSettings(DetachedServerEntry entry, TcpServerJob job)
        {
            if (job is TcpBalancerJob balancer)
            {
                entry.Transport = balancer.Transport;
                entry.Algorithm = balancer.Algorithm;
            }
        }

        /// <summary>The error for a second detached server of the same name.</summary>
        internal static ErrorRecord NameTaken(string name)
            => new ErrorRecord(
                new InvalidOperationException($"A detached server named '{name}' is already running for this user. Choose another -Name, or stop it first (Get-TcpBalancer and Get-TcpBackend list them)."),
                "DetachedNameTaken",
                ErrorCategory.ResourceExists,
                name);
    }
}
