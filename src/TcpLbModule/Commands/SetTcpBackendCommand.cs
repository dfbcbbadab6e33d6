using System.Collections.Generic;
using System.Management.Automation;
using TcpLb.Engine.Backends;
using TcpLb.Engine.Net;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// Set-TcpBackend: changes a running backend's fault, latency, jitter or bandwidth limit, so
    /// a test can break and heal it mid-run. Only the parameters given change.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "TcpBackend", DefaultParameterSetName = ByJob, SupportsShouldProcess = true, HelpUri = HelpLinks.Docs + "Set-TcpBackend.md")]
    [OutputType(typeof(TcpBackendJob))]
    public sealed class SetTcpBackendCommand : JobTargetCommand<TcpBackendJob>
    {
        [Parameter]
        public TcpBackendFault Fault { get; set; }

        [Parameter]
        [ValidateRange(0, BackendBehaviorArgument.MaxDelay)]
        [Duration]
        public int Latency { get; set; }

        [Parameter]
        [ValidateRange(0, BackendBehaviorArgument.MaxDelay)]
        [Duration]
        public int Jitter { get; set; }

        [Parameter]
        [ValidateRange(0, BackendBehaviorArgument.MaxBandwidthKBps)]
        public int BandwidthKBps { get; set; }

        /// <summary>Write the changed backend jobs to the pipeline.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override string JobKind => "backend";

        protected override void BeginProcessing()
        {
            if (!Given(nameof(Fault)) && !Given(nameof(Latency)) && !Given(nameof(Jitter)) && !Given(nameof(BandwidthKBps)))
            {
                Fail("Nothing to change: give at least one of -Fault, -Latency, -Jitter and -BandwidthKBps.", "NothingToChange", ErrorCategory.InvalidArgument, null);
            }
        }

        protected override void ProcessRecord()
        {
            TcpBackendFault? fault = Given(nameof(Fault)) ? Fault : (TcpBackendFault?)null;
            System.TimeSpan? latency = Given(nameof(Latency)) ? BackendBehaviorArgument.Delay(Latency) : (System.TimeSpan?)null;
            System.TimeSpan? jitter = Given(nameof(Jitter)) ? BackendBehaviorArgument.Delay(Jitter) : (System.TimeSpan?)null;
            long? bandwidth = Given(nameof(BandwidthKBps)) ? BackendBehaviorArgument.BytesPerSecond(BandwidthKBps) : (long?)null;

            foreach (TcpBackendJob job in ResolveJobs(mustBeRunning: true))
            {
                if (ShouldProcess($"backend '{job.Name}' on {job.Location}", "Set " + Describe()))
                {
                    try
                    {
                        job.Backend.SetBehavior(fault, latency, jitter, bandwidth);
                    }
                    catch (ListenerBindException e)
                    {
                        // Healing a Refuse fault could not listen on the port again.
                        ThrowTerminatingError(new ErrorRecord(e, "ListenFailed", ErrorCategory.ResourceUnavailable, job));
                    }
                    WriteVerbose($"Backend '{job.Name}' on {job.Location} now behaves: {job.Backend.Behavior}.");
                }
                if (PassThru)
                {
                    WriteObject(job);
                }
            }
        }

        private bool Given(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter);

        /// <summary>What changes, for ShouldProcess: "Fault=Refuse, Latency=200 ms".</summary>
        private string Describe()
        {
            var parts = new List<string>();
            if (Given(nameof(Fault)))
            {
                parts.Add($"Fault={Fault}");
            }
            if (Given(nameof(Latency)))
            {
                parts.Add($"Latency={Latency} ms");
            }
            if (Given(nameof(Jitter)))
            {
                parts.Add($"Jitter={Jitter} ms");
            }
            if (Given(nameof(BandwidthKBps)))
            {
                parts.Add(BandwidthKBps == 0 ? "BandwidthKBps=0 (unlimited)" : $"BandwidthKBps={BandwidthKBps}");
            }
            return string.Join(", ", parts);
        }
    }
}
