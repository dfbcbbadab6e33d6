using System.Collections.Generic;
using System.Management.Automation;
using TcpLb.Engine.Proxying.Toxics;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>Base of Add- and Set-TcpBalancerToxic: a toxic's direction, toxicity and settings, in ms, KB/s and bytes.</summary>
    public abstract class ToxicSettingsCommand : JobTargetCommand<TcpBalancerJob>
    {
        [Parameter]
        public ToxicDirection Direction { get; set; } = ToxicDirection.Downstream;

        /// <summary>The share of new connections it applies to, 0 to 1.</summary>
        [Parameter]
        [ValidateRange(0.0, 1.0)]
        public double Toxicity { get; set; } = 1;

        [Parameter]
        [ValidateRange(0, ToxicArgument.MaxMilliseconds)]
        [Duration]
        public int Latency { get; set; }

        [Parameter]
        [ValidateRange(0, ToxicArgument.MaxMilliseconds)]
        [Duration]
        public int Jitter { get; set; }

        /// <summary>KB/s (1 KB = 1024 bytes).</summary>
        [Parameter]
        [ValidateRange(1, ToxicArgument.MaxRateKBps)]
        public int Rate { get; set; }

        [Parameter]
        [ValidateRange(0, ToxicArgument.MaxMilliseconds)]
        [Duration]
        public int Delay { get; set; }

        [Parameter]
        [ValidateRange(0, ToxicArgument.MaxMilliseconds)]
        [Duration]
        public int Timeout { get; set; }

        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int AverageSize { get; set; }

        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int SizeVariation { get; set; }

        [Parameter]
        [ValidateRange(0, long.MaxValue)]
        public long Bytes { get; set; }

        /// <summary>Write the toxics added or changed to the pipeline.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override string JobKind => "balancer";

        protected bool Given(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter);

        /// <summary>The settings given, by name, in the module's units.</summary>
        protected Dictionary<string, long> GivenSettings() => ToxicArgument.Given(this, Read);

        private long Read(string setting)
        {
            switch (setting)
            {
                case nameof(Latency): return Latency;
                case nameof(Jitter): return Jitter;
                case nameof(Rate): return Rate;
                case nameof(Delay): return Delay;
                case nameof(Timeout): return Timeout;
                case nameof(AverageSize): return AverageSize;
                case nameof(SizeVariation): return SizeVariation;
                default: return Bytes;
            }
        }
    }
}
