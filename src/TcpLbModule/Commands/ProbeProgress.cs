using System;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using TcpLb.Engine.Probing;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// Invoke-TcpProbe's progress bar: nothing for runs shorter than a second, then done/total,
    /// rate and failures so far, at most four times a second, and a Completed record at the end.
    /// </summary>
    internal sealed class ProbeProgress
    {
        private static readonly TimeSpan ShowAfter = TimeSpan.FromSeconds(1);
        private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);
        private readonly int _activityId;
        private readonly string _activity;
        private readonly int _total;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private TimeSpan? _lastShown;
        private int _done;
        private int _failed;

        public ProbeProgress(int activityId, string target, int total)
        {
            _activityId = activityId;
            _activity = $"Probing {target}";
            _total = total;
        }

        /// <summary>How often a progress record is due while waiting for results.</summary>
        public static int PollIntervalMilliseconds => (int)Interval.TotalMilliseconds;

        public void Count(TcpProbeResult result)
        {
            _done++;
            if (result.Status != TcpProbeStatus.Success)
            {
                _failed++;
            }
        }

        /// <summary>A record to write now, or null when none is due yet.</summary>
        public ProgressRecord? Due()
        {
            TimeSpan elapsed = _clock.Elapsed;
            if (elapsed < ShowAfter || (_lastShown.HasValue && elapsed - _lastShown.Value < Interval))
            {
                return null;
            }
            _lastShown = elapsed;
            double rate = _done / elapsed.TotalSeconds;
            string status = string.Format(
                CultureInfo.InvariantCulture,
                "{0} of {1} done, {2:0.#} per second, {3} failed",
                _done, _total, rate, _failed);
            var record = new ProgressRecord(_activityId, _activity, status)
            {
                PercentComplete = (int)(100L * _done / _total),
            };
            if (_done > 0 && _done < _total)
            {
                record.SecondsRemaining = (int)Math.Ceiling((_total - _done) / rate);
            }
            return record;
        }

        /// <summary>The record that takes the bar down; null when no bar was shown.</summary>
        public ProgressRecord? Completed()
        {
            if (!_lastShown.HasValue)
            {
                return null;
            }
            return new ProgressRecord(_activityId, _activity, $"{_done} of {_total} done, {_failed} failed")
            {
                PercentComplete = 100,
                RecordType = ProgressRecordType.Completed,
            };
        }
    }
}
