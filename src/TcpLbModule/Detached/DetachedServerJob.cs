using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using TcpLbModule.Jobs;

namespace TcpLbModule.Detached
{
    /// <summary>
    /// A detached balancer or backend as a job of this session (Get-Job lists it through
    /// <see cref="DetachedServerJobAdapter"/>): Receive-Job returns what its job wrote in its own
    /// process (events, warnings, errors, verbose messages), read from its journal; Stop-Job stops
    /// the server; Remove-Job of a stopped one takes it out of this session's view only.
    /// </summary>
    public sealed class DetachedServerJob : TcpLbJob
    {
        private const int OutputCap = 1000;
        private readonly object _readLock = new object();
        private readonly DetachedJournalReader _journal;

        internal DetachedServerJob(DetachedTcpServer server)
            : base($"Start-Tcp{server.Kind} -Detached -Name '{server.Name}'", server.Name, server.PSJobTypeName, OutputCap)
        {
            Server = server;
            _journal = new DetachedJournalReader(server.Entry.PipeName);
            SetJobState(JobState.Running);
        }

        /// <summary>The detached server, as Get-TcpBalancer and Get-TcpBackend return it.</summary>
        public DetachedTcpServer Server { get; }

        public TcpServerKind Kind => Server.Kind;

        public int Port => Server.Port;

        public string ListenAddress => Server.ListenAddress;

        public int Pid => Server.Pid;

        /// <summary>Where it runs: "pid 1234" (a process of its own).</summary>
        public override string Location => Server.Location;

        public override string StatusMessage => JobStateInfo.State == JobState.Running ? $"Detached, {Server.Location}, port {Server.Port}" : JobStateInfo.State.ToString();

        /// <summary>The same server (its process and start time) as this entry.</summary>
        internal bool Is(DetachedServerEntry entry) => entry.PipeName == Server.Entry.PipeName && entry.Pid == Server.Pid;

        /// <summary>Takes the records its process has written since the last call into this job's streams.</summary>
        internal void Refresh()
        {
            lock (_readLock)
            {
                List<KeyValuePair<char, object>> records;
                try
                {
                    records = _journal.ReadNew();
                }
                catch (UnsafeRegistryException e)
                {
                    Warning.Add(new WarningRecord(e.Message));
                    return;
                }
                foreach (KeyValuePair<char, object> record in records)
                {
                    switch (record.Key)
                    {
                        case DetachedJournal.Output:
                            WriteOutput(record.Value);
                            break;
                        case DetachedJournal.Error:
                            Error.Add((ErrorRecord)record.Value);
                            break;
                        case DetachedJournal.Warning:
                            Warning.Add((WarningRecord)record.Value);
                            break;
                        case DetachedJournal.Verbose:
                            Verbose.Add((VerboseRecord)record.Value);
                            break;
                        case DetachedJournal.Debug:
                            Debug.Add((DebugRecord)record.Value);
                            break;
                        case DetachedJournal.Information:
                            Information.Add((InformationRecord)record.Value);
                            break;
                        case DetachedJournal.Final:
                            Ended((JobState)record.Value);
                            break;
                    }
                }
            }
        }

        /// <summary>The server has ended (its entry is gone): Stopped, unless its journal said otherwise.</summary>
        internal void Ended(JobState state = JobState.Stopped)
        {
            Server.State = JobState.Stopped;
            Finish(state == JobState.Running ? JobState.Stopped : state);
        }

        /// <summary>Stop-Job: stops the server in its process, waits for the process to exit, and frees its port.</summary>
        protected override void StopCore()
        {
            Refresh();
            if (Server.State != JobState.Running || DetachedServerRegistry.Get(Server.Name, null)?.Pid != Server.Pid)
            {
                return; // ended meanwhile
            }
            var parameters = new Hashtable { ["Name"] = new[] { WildcardPattern.Escape(Server.Name) } };
            try
            {
                DetachedServerClient.InvokeUnattended(Server, Server.Kind == TcpServerKind.Balancer ? "Stop-TcpBalancer" : "Stop-TcpBackend", parameters, endsServer: true);
            }
            catch (Exception e) when (!(e is RuntimeException))
            {
                // Unreachable: its process is stopped below all the same.
                Warning.Add(new WarningRecord($"Could not reach detached {Kind.ToString().ToLowerInvariant()} '{Name}' ({Location}) to stop it: {e.Message}"));
            }
            Server.AwaitEnd(TimeSpan.Zero, message => Warning.Add(new WarningRecord(message)));
            WriteVerboseMessage($"Detached {Kind.ToString().ToLowerInvariant()} '{Name}' stopped; its process has exited and port {Port} is free.");
        }

        /// <summary>Remove-Job disposes the job: the server goes on (only Stop-Job stops it).</summary>
        protected override bool StopsOnDispose => false;
    }
}
