using System;
using System.Collections.Generic;
using System.Linq;

namespace TcpLb.Engine.Probing
{
    /// <summary>
    /// Adds up probe results one at a time (as they stream in) into a <see cref="TcpProbeSummary"/>.
    /// The rotation check follows the order the results are added in. Keeps one latency per
    /// successful probe (for exact percentiles) and a counter per backend; nothing else per result.
    /// </summary>
    public sealed class TcpProbeSummarizer
    {
        private readonly int[] _statusCounts = new int[(int)Enum.GetValues(typeof(TcpProbeStatus)).Cast<TcpProbeStatus>().Max() + 1];
        private readonly List<TimeSpan> _successLatencies = new List<TimeSpan>();
        private readonly List<int> _backendOrder = new List<int>();
        private readonly Dictionary<int, int> _backendCounts = new Dictionary<int, int>();
        private readonly int[]? _rotation;
        private TimeSpan _successLatencyTotal;
        private int _added;
        private int _rotationNext = -1;
        private TcpProbeRotationBreak? _rotationBreak;

        /// <param name="expectedRotation">
        /// The backends (ports) round robin should go through, in order; null to skip the check.
        /// </param>
        public TcpProbeSummarizer(IEnumerable<int>? expectedRotation = null)
        {
            if (expectedRotation != null)
            {
                _rotation = expectedRotation.ToArray();
                if (_rotation.Length == 0)
                {
                    throw new ArgumentException("The expected rotation names no backend: give at least one port.", nameof(expectedRotation));
                }
            }
        }

        public void Add(TcpProbeResult result)
        {
            if (result == null)
            {
                throw new ArgumentNullException(nameof(result));
            }
            Add(result.Status, result.Backend, result.Latency, result.Sequence);
        }

        /// <summary>Adds one result by its parts (for results that are not engine objects, such as deserialized ones).</summary>
        public void Add(TcpProbeStatus status, int? backend, TimeSpan latency, int? sequence = null)
        {
            int index = (int)status;
            if (index < 0 || index >= _statusCounts.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(status), status, "Not a TcpProbeStatus value.");
            }
            _added++;
            _statusCounts[index]++;
            bool success = status == TcpProbeStatus.Success;
            if (success)
            {
                _successLatencies.Add(latency);
                _successLatencyTotal += latency;
            }
            int? answeredBy = success ? backend : null;
            if (answeredBy.HasValue)
            {
                if (_backendCounts.TryGetValue(answeredBy.Value, out int count))
                {
                    _backendCounts[answeredBy.Value] = count + 1;
                }
                else
                {
                    _backendCounts[answeredBy.Value] = 1;
                    _backendOrder.Add(answeredBy.Value);
                }
            }
            CheckRotation(answeredBy, sequence);
        }

        public TcpProbeSummary Summarize()
        {
            int named = _backendCounts.Values.Sum();
            var backends = _backendOrder
                .Select(b => new TcpProbeBackendShare(b, _backendCounts[b], (double)_backendCounts[b] / named))
                .ToArray();
            TimeSpan[] sorted = _successLatencies.ToArray();
            Array.Sort(sorted);
            TcpProbeRotationBreak? rotationBreak = _rotationBreak;
            if (_rotation != null && _added == 0)
            {
                rotationBreak = new TcpProbeRotationBreak(1, null, _rotation[0], null);
            }
            return new TcpProbeSummary((int[])_statusCounts.Clone(), backends, sorted, _successLatencyTotal, _rotation, rotationBreak);
        }

        private void CheckRotation(int? answeredBy, int? sequence)
        {
            if (_rotation == null || _rotationBreak != null)
            {
                return;
            }
            if (_rotationNext < 0)
            {
                // The first answer sets where in the cycle the run starts.
                int start = answeredBy.HasValue ? Array.IndexOf(_rotation, answeredBy.Value) : -1;
                if (start < 0)
                {
                    _rotationBreak = new TcpProbeRotationBreak(_added, sequence, _rotation[0], answeredBy);
                    return;
                }
                _rotationNext = (start + 1) % _rotation.Length;
                return;
            }
            int expected = _rotation[_rotationNext];
            if (answeredBy != expected)
            {
                _rotationBreak = new TcpProbeRotationBreak(_added, sequence, expected, answeredBy);
                return;
            }
            _rotationNext = (_rotationNext + 1) % _rotation.Length;
        }
    }
}
