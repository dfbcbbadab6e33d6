using System;
using System.Collections.Generic;
using System.Management.Automation;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Probing;
using TcpLbModule.Completion;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// Measure-TcpProbe: adds up probe results from the pipeline (TcpProbeResult objects, or
    /// deserialized ones with the same properties) into one TcpProbeSummary to assert on.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Measure, "TcpProbe", HelpUri = HelpLinks.Docs + "Measure-TcpProbe.md")]
    [OutputType(typeof(TcpProbeSummary))]
    public sealed class MeasureTcpProbeCommand : PSCmdlet
    {
        private TcpProbeSummarizer _summarizer = new TcpProbeSummarizer();

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [AllowNull]
        public PSObject[] InputObject { get; set; } = new PSObject[0];

        /// <summary>Ports or TcpBackend jobs, in the order round robin should go through them.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(BackendPortCompleter))]
        public object[]? ExpectRotation { get; set; }

        protected override void BeginProcessing()
        {
            if (ExpectRotation != null)
            {
                var ports = new List<int>();
                foreach (BackendAddress address in BackendArgument.ConvertAll(this, ExpectRotation, jobMustBeRunning: false))
                {
                    ports.Add(address.Port);
                }
                _summarizer = new TcpProbeSummarizer(ports);
            }
        }

        protected override void ProcessRecord()
        {
            foreach (PSObject? input in InputObject)
            {
                if (input?.BaseObject is TcpProbeResult result)
                {
                    _summarizer.Add(result);
                }
                else
                {
                    AddByProperties(input);
                }
            }
        }

        protected override void EndProcessing() => WriteObject(_summarizer.Summarize());

        /// <summary>A result that is not an engine object (Import-Clixml, Receive-Job from another process): read by name.</summary>
        private void AddByProperties(PSObject? input)
        {
            PSPropertyInfo? status = input?.Properties["Status"];
            if (input == null || status == null || !TryConvert(status.Value, out TcpProbeStatus parsed))
            {
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException($"'{input}' is not a probe result: it needs a Status property ({string.Join(", ", Enum.GetNames(typeof(TcpProbeStatus)))}). Pipe in the output of Invoke-TcpProbe, or of Receive-Job on an Invoke-TcpProbe -AsJob job."),
                    "InvalidProbeResult",
                    ErrorCategory.InvalidArgument,
                    input));
                return;
            }
            object? backend = input.Properties["Backend"]?.Value;
            object? latency = input.Properties["Latency"]?.Value;
            object? sequence = input.Properties["Sequence"]?.Value;
            _summarizer.Add(
                parsed,
                backend == null ? (int?)null : LanguagePrimitives.ConvertTo<int>(backend),
                latency == null ? TimeSpan.Zero : LanguagePrimitives.ConvertTo<TimeSpan>(latency),
                sequence == null ? (int?)null : LanguagePrimitives.ConvertTo<int>(sequence));
        }

        private static bool TryConvert(object? value, out TcpProbeStatus status)
        {
            try
            {
                status = LanguagePrimitives.ConvertTo<TcpProbeStatus>(value);
                return value != null;
            }
            catch (PSInvalidCastException)
            {
                status = default;
                return false;
            }
        }
    }
}
