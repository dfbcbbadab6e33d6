using System;
using System.ComponentModel;
using System.Management.Automation;
using System.Threading;

namespace TcpLbModule.Jobs
{
    /// <summary>
    /// The module's jobs: in-process, started already running, stopped by Stop-Job, removed by
    /// Remove-Job like any other. Output is capped so an unread job cannot grow without bound.
    /// </summary>
    public abstract class TcpLbJob : Job2
    {
        private readonly object _stopLock = new object();
        private readonly int _outputCap;
        private long _droppedOutput;
        private int _stopRequested;

        protected TcpLbJob(string command, string name, string jobTypeName, int outputCap)
            : base(command, name)
        {
            PSJobTypeName = jobTypeName;
            _outputCap = outputCap;
        }

        /// <summary>
        /// Whether Receive-Job has results to give: output, errors or warnings. Verbose and debug
        /// messages (a backend's "listening on ...") are diagnostics: Receive-Job still returns
        /// them, but they alone do not make a job that never writes output look unread forever.
        /// </summary>
        public override bool HasMoreData => Output.Count > 0 || Error.Count > 0 || Warning.Count > 0;

        /// <summary>Completed, Failed or Stopped.</summary>
        public bool IsFinished
        {
            get
            {
                JobState state = JobStateInfo.State;
                return state == JobState.Completed || state == JobState.Failed || state == JobState.Stopped;
            }
        }

        /// <summary>Output records dropped because nobody received them before the cap was reached.</summary>
        public long DroppedOutput => Interlocked.Read(ref _droppedOutput);

        public override void StartJob()
        {
            // Jobs are started by their cmdlet before they are returned; there is nothing to start later.
        }

        public override void StartJobAsync()
        {
            StartJob();
            OnStartJobCompleted(new AsyncCompletedEventArgs(null, false, null));
        }

        public override void StopJob() => StopJob(false, null);

        public override void StopJob(bool force, string? reason)
        {
            lock (_stopLock)
            {
                if (IsFinished || Interlocked.Exchange(ref _stopRequested, 1) == 1)
                {
                    return;
                }
                SetJobState(JobState.Stopping);
                try
                {
                    StopCore();
                }
                finally
                {
                    ModuleJobRegistry.Remove(this);
                    SetJobState(JobState.Stopped);
                }
            }
        }

        public override void StopJobAsync() => StopJobAsync(false, null);

        public override void StopJobAsync(bool force, string? reason)
        {
            ThreadPool.QueueUserWorkItem(_ =>
            {
                Exception? error = null;
                try
                {
                    StopJob(force, reason);
                }
                catch (Exception e)
                {
                    error = e;
                }
                OnStopJobCompleted(new AsyncCompletedEventArgs(error, false, null));
            });
        }

        public override void SuspendJob() => throw NotSupported("suspended");

        public override void SuspendJobAsync() => throw NotSupported("suspended");

        public override void SuspendJob(bool force, string? reason) => throw NotSupported("suspended");

        public override void SuspendJobAsync(bool force, string? reason) => throw NotSupported("suspended");

        public override void ResumeJob() => throw NotSupported("resumed");

        public override void ResumeJobAsync() => throw NotSupported("resumed");

        public override void UnblockJob() => throw NotSupported("unblocked");

        public override void UnblockJobAsync() => throw NotSupported("unblocked");

        /// <summary>Stops the engine behind the job; called once, under the stop lock.</summary>
        protected abstract void StopCore();

        /// <summary>Marks the job finished on its own (Completed or Failed), unless a stop got there first.</summary>
        protected void Finish(JobState state)
        {
            lock (_stopLock)
            {
                if (IsFinished || Volatile.Read(ref _stopRequested) == 1)
                {
                    return;
                }
                ModuleJobRegistry.Remove(this);
                SetJobState(state);
            }
        }

        /// <summary>Adds an output record, dropping the oldest unread one once the cap is reached.</summary>
        protected void WriteOutput(object record)
        {
            PSDataCollection<PSObject> output = Output;
            if (output.Count >= _outputCap)
            {
                try
                {
                    output.RemoveAt(0);
                }
                catch (ArgumentOutOfRangeException)
                {
                    // A reader took everything meanwhile.
                }
                if (Interlocked.Increment(ref _droppedOutput) == 1)
                {
                    Warning.Add(new WarningRecord($"Job '{Name}' keeps at most {_outputCap} unread output records; older ones are being dropped. Receive-Job regularly to keep them."));
                }
            }
            output.Add(PSObject.AsPSObject(record));
        }

        protected void WriteVerboseMessage(string message) => Verbose.Add(new VerboseRecord(message));

        private volatile bool _traceToDebug;

        /// <summary>From now on the engine's events also go to the job's Debug stream, with their time (the Start-* cmdlet had -Debug).</summary>
        internal void TraceToDebug() => _traceToDebug = true;

        /// <summary>An engine event for the Debug stream, when <see cref="TraceToDebug"/> was asked for.</summary>
        protected void WriteTrace(string message)
        {
            if (_traceToDebug)
            {
                Debug.Add(new DebugRecord(DateTimeOffset.Now.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture) + " " + message));
            }
        }

        /// <summary>Whether disposing the job (Remove-Job) stops what it runs; a view of something that runs elsewhere does not.</summary>
        protected virtual bool StopsOnDispose => true;

        protected override void Dispose(bool disposing)
        {
            if (disposing && StopsOnDispose)
            {
                StopJob();
            }
            base.Dispose(disposing);
        }

        private NotSupportedException NotSupported(string what)
            => new NotSupportedException($"{PSJobTypeName} jobs cannot be {what}. Use Stop-Job to stop job '{Name}'.");
    }
}
