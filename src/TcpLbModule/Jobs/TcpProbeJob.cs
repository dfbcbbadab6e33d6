using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Probing;

namespace TcpLbModule.Jobs
{
    /// <summary>Invoke-TcpProbe -AsJob: the probe run in the background; its output is the results.</summary>
    public sealed class TcpProbeJob : TcpLbJob
    {
        public const string JobTypeName = "TcpProbe";
        private const int ResultCap = 100_000;
        private readonly CancellationTokenSource _cancel = new CancellationTokenSource();
        private Task _run = Task.CompletedTask;

        internal TcpProbeJob(string command, string name, TcpProbeOptions options)
            : base(command, name, JobTypeName, ResultCap)
        {
            Options = options;
            Location = Net(options);
        }

        public TcpProbeOptions Options { get; }

        public override string Location { get; }

        public override string StatusMessage => JobStateInfo.State.ToString();

        internal void Start()
        {
            SetJobState(JobState.Running);
            ModuleJobRegistry.Add(this);
            _run = TcpProbe.RunAsync(Options, WriteOutput, _cancel.Token).ContinueWith(OnRunEnded, TaskScheduler.Default);
        }

        protected override void StopCore()
        {
            _cancel.Cancel();
            // Bounded: in-flight probes end as soon as their sockets are closed by the cancellation.
            Task.WhenAny(_run, Task.Delay(TimeSpan.FromSeconds(1))).GetAwaiter().GetResult();
        }

        private void OnRunEnded(Task run)
        {
            if (run.IsFaulted)
            {
                Exception error = run.Exception!.GetBaseException();
                Error.Add(new ErrorRecord(error, "ProbeFailed", ErrorCategory.InvalidArgument, Options.ComputerName));
                Finish(JobState.Failed);
            }
            else
            {
                Finish(JobState.Completed);
            }
        }

        private static string Net(TcpProbeOptions options) => TcpLb.Engine.Net.Endpoints.Format(options.ComputerName, options.Port);
    }
}
