using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Probing;
using TcpLbModule.Completion;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>Invoke-TcpProbe: opens connections, one result object per connection, streamed as each completes.</summary>
    [Cmdlet(VerbsLifecycle.Invoke, "TcpProbe", HelpUri = HelpLinks.Docs + "Invoke-TcpProbe.md")]
    [OutputType(typeof(TcpProbeResult), typeof(TcpProbeJob))]
    public sealed class InvokeTcpProbeCommand : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();

        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateRange(1, 65535)]
        [ArgumentCompleter(typeof(ServerPortCompleter))]
        public int Port { get; set; } = TcpProbeOptions.DefaultPort;

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("ListenAddress")]
        [ValidateNotNullOrEmpty]
        public string ComputerName { get; set; } = "localhost";

        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Count { get; set; } = TcpProbeOptions.DefaultCount;

        [Parameter]
        [AllowEmptyString]
        public string Message { get; set; } = TcpProbeOptions.DefaultMessage;

        /// <summary>Milliseconds allowed for each connection: connect, send, and the whole reply.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        [Duration]
        public int Timeout { get; set; } = 5000;

        [Parameter]
        [ValidateRange(1, 1024)]
        public int Concurrency { get; set; } = 1;

        [Parameter]
        public SwitchParameter AsJob { get; set; }

        protected override void ProcessRecord()
        {
            var options = new TcpProbeOptions
            {
                ComputerName = ComputerName,
                Port = Port,
                Count = Count,
                Message = Message ?? "",
                Timeout = TimeSpan.FromMilliseconds(Timeout),
                Concurrency = Concurrency,
            };

            if (AsJob)
            {
                // Bad input fails here, as without -AsJob, not as a Failed job.
                try
                {
                    TcpProbe.ResolveTarget(options);
                }
                catch (ArgumentException e)
                {
                    ThrowTerminatingError(new ErrorRecord(e, "InvalidProbeTarget", ErrorCategory.InvalidArgument, ComputerName));
                }
                WriteVerbose(Narration.Probing(options) + " As a job: Receive-Job returns the results.");
                var job = new TcpProbeJob(MyInvocation.Line, "TcpProbe:" + Port, options);
                JobRepository.Add(job);
                job.Start();
                WriteObject(job);
                return;
            }

            WriteVerbose(Narration.Probing(options));
            int succeeded = 0, written = 0;
            // Results arrive on pool threads; they are written here, on the pipeline thread, as
            // they come. The bound gives a slow pipeline back-pressure instead of a growing queue.
            var progress = new ProbeProgress(MyInvocation.GetHashCode() & int.MaxValue, TcpLb.Engine.Net.Endpoints.Format(ComputerName, Port), Count);
            using (var results = new BlockingCollection<TcpProbeResult>(boundedCapacity: 1024))
            {
                Task run = TcpProbe.RunAsync(options, r => results.Add(r, _stop.Token), _stop.Token)
                    .ContinueWith(t => { results.CompleteAdding(); return t; }, TaskScheduler.Default)
                    .Unwrap();
                try
                {
                    while (!results.IsCompleted)
                    {
                        // Wakes at least every poll interval, so the bar moves while results are slow.
                        if (results.TryTake(out TcpProbeResult? result, ProbeProgress.PollIntervalMilliseconds, _stop.Token))
                        {
                            WriteObject(result);
                            progress.Count(result!);
                            WriteVerbose(Narration.Probed(result!));
                            written++;
                            succeeded += result!.Status == TcpProbeStatus.Success ? 1 : 0;
                        }
                        ProgressRecord? record = progress.Due();
                        if (record != null)
                        {
                            WriteProgress(record);
                        }
                    }
                    run.GetAwaiter().GetResult();
                    WriteVerbose($"Probed {TcpLb.Engine.Net.Endpoints.Format(ComputerName, Port)}: {succeeded} of {written} connection(s) succeeded.");
                    ProgressRecord? completed = progress.Completed();
                    if (completed != null)
                    {
                        WriteProgress(completed);
                    }
                }
                catch (OperationCanceledException)
                {
                    // Ctrl+C or a stopped pipeline: stop quietly with the results written so far.
                }
                catch (ArgumentException e)
                {
                    ThrowTerminatingError(new ErrorRecord(e, "InvalidProbeTarget", ErrorCategory.InvalidArgument, ComputerName));
                }
                finally
                {
                    if (!run.IsCompleted)
                    {
                        // Stopped early: in-flight probes end as soon as the cancellation closes
                        // their sockets, and must be done with the collection before it is disposed.
                        _stop.Cancel();
                        Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(1))).GetAwaiter().GetResult();
                    }
                }
            }
        }

        protected override void StopProcessing() => _stop.Cancel();

        public void Dispose() => _stop.Dispose();
    }
}
