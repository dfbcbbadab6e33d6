using System;
using System.Collections.Generic;

namespace TcpLb.Engine.Probing
{
    /// <summary>
    /// What a set of probe results adds up to: counts by status, each backend's share, latency
    /// percentiles over the successful probes and, when a rotation was expected, whether the
    /// backends answered in exactly that order. Made by <see cref="TcpProbeSummarizer"/>.
    /// </summary>
    public sealed class TcpProbeSummary
    {
        private readonly int[] _statusCounts;

        internal TcpProbeSummary(
            int[] statusCounts,
            IReadOnlyList<TcpProbeBackendShare> backends,
            TimeSpan[] sortedSuccessLatencies,
            TimeSpan successLatencyTotal,
            IReadOnlyList<int>? expectedRotation,
            TcpProbeRotationBreak? rotationBreak)
        {
            _statusCounts = statusCounts;
            foreach (int count in statusCounts)
            {
                Count += count;
            }
            Backends = backends;
            int successes = sortedSuccessLatencies.Length;
            if (successes > 0)
            {
                LatencyMin = sortedSuccessLatencies[0];
                LatencyMax = sortedSuccessLatencies[successes - 1];
                LatencyMean = TimeSpan.FromTicks(successLatencyTotal.Ticks / successes);
                LatencyP50 = NearestRank(sortedSuccessLatencies, 50);
                LatencyP90 = NearestRank(sortedSuccessLatencies, 90);
                LatencyP99 = NearestRank(sortedSuccessLatencies, 99);
            }
            ExpectedRotation = expectedRotation;
            if (expectedRotation != null)
            {
                IsExactRotation = rotationBreak == null;
                RotationBreaksAt = rotationBreak;
            }
        }

        /// <summary>Probe results counted.</summary>
        public int Count { get; }

        public int SuccessCount => CountOf(TcpProbeStatus.Success);

        /// <summary>Results with any status but Success.</summary>
        public int FailureCount => Count - SuccessCount;

        /// <summary>SuccessCount / Count, from 0 to 1; 0 when there were no results.</summary>
        public double SuccessRate => Count == 0 ? 0 : (double)SuccessCount / Count;

        public int RefusedCount => CountOf(TcpProbeStatus.Refused);

        public int TimeoutCount => CountOf(TcpProbeStatus.Timeout);

        public int ResetCount => CountOf(TcpProbeStatus.Reset);

        public int ErrorCount => CountOf(TcpProbeStatus.Error);

        /// <summary>One row per backend that answered, in the order each first answered.</summary>
        public IReadOnlyList<TcpProbeBackendShare> Backends { get; }

        /// <summary>Latency statistics over the successful probes; null when none succeeded.</summary>
        public TimeSpan? LatencyMin { get; }

        public TimeSpan? LatencyMean { get; }

        /// <summary>Nearest-rank percentiles: the smallest latency that at least p% of the successful probes do not exceed.</summary>
        public TimeSpan? LatencyP50 { get; }

        public TimeSpan? LatencyP90 { get; }

        public TimeSpan? LatencyP99 { get; }

        public TimeSpan? LatencyMax { get; }

        /// <summary>The backends (ports) of the expected rotation, in order; null when none was expected.</summary>
        public IReadOnlyList<int>? ExpectedRotation { get; }

        /// <summary>
        /// Whether every result was a success answered by the expected backend, following the
        /// expected order cyclically from whichever backend answered first; null when no rotation
        /// was expected.
        /// </summary>
        public bool? IsExactRotation { get; }

        /// <summary>The first result that broke the expected rotation; null when none did.</summary>
        public TcpProbeRotationBreak? RotationBreaksAt { get; }

        /// <summary>Results with the given status.</summary>
        public int CountOf(TcpProbeStatus status)
        {
            int index = (int)status;
            return index >= 0 && index < _statusCounts.Length ? _statusCounts[index] : 0;
        }

        /// <summary>
        /// The nearest-rank percentile of sorted values: the value at rank ceil(p/100 * N), 1-based.
        /// </summary>
        public static TimeSpan NearestRank(IReadOnlyList<TimeSpan> sorted, double percentile)
        {
            if (sorted == null)
            {
                throw new ArgumentNullException(nameof(sorted));
            }
            if (sorted.Count == 0)
            {
                throw new ArgumentException("There are no values to take a percentile of.", nameof(sorted));
            }
            if (percentile <= 0 || percentile > 100)
            {
                throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "A percentile is greater than 0 and at most 100.");
            }
            // The small tolerance keeps 0.9 * 10 = 9.000000000000002 from becoming rank 10.
            int rank = (int)Math.Ceiling(percentile / 100.0 * sorted.Count - 1e-9);
            return sorted[Math.Max(rank, 1) - 1];
        }

        public override string ToString()
        {
            string text = $"{SuccessCount}/{Count} succeeded";
            if (IsExactRotation == true)
            {
                text += ", exact rotation";
            }
            else if (RotationBreaksAt != null)
            {
                text += ", rotation breaks " + RotationBreaksAt;
            }
            return text;
        }
    }
}
