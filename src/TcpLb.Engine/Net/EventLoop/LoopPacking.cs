using System;
using System.Globalization;

namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>
    /// How many of a group's loops take connections (the <see cref="LoopLayout.Packed"/> layout's
    /// policy; <see cref="LoopPacker"/> feeds it and acts on it), decided by trial. Which count is
    /// faster depends on the load and where it runs, and the balancer cannot see that: on the
    /// bench's 2-core machine keep-alive requests run faster on one loop and new connections on two
    /// (docs/design/event-loop.md). So a group starts with every loop (the spread that suits bulk
    /// transfers), and under load the policy measures the bytes relayed per second with the count it
    /// holds, tries one loop fewer (or more), measures again, and measures the held count once more
    /// (an A-B-A check: a load that grows or shrinks during the measurements must not pass for a
    /// better or worse count). Fewer loops are kept unless they relay clearly less than the held
    /// count did around them: at the same rate they do the same work with fewer threads to wake,
    /// which costs the machine less CPU and the requests less tail. More loops are kept only when
    /// they relay clearly more than both of the held count's measurements. A held count is tried
    /// against again after a while under the same load; another load starts again from every loop;
    /// a quiet group keeps its count. Each measurement starts after the moves of a change have
    /// settled, leaves out its lowest window (a stall of the machine's, not of the count), and is
    /// spoiled when the open sockets change on the way (a load closing its connections and opening
    /// others measures nothing).
    /// </summary>
    internal sealed class LoopPacking
    {
        private enum Measurement
        {
            Running,
            Complete,
            Spoiled,
        }

        /// <summary>How often the figures are read.</summary>
        public const int WindowMilliseconds = 250;

        /// <summary>Loop work (cores, summed over the loops) below which there is no load to measure.</summary>
        internal const double LoadToMeasure = 0.30;

        /// <summary>Windows before measuring the held count (the moves back land).</summary>
        internal const int WindowsToSettle = 1;

        /// <summary>
        /// Windows before measuring a trial: traced by hand, one loop in a session of its own relays
        /// a fifth less in its first 250 ms and reaches its steady rate after about a second, as the
        /// scheduler moves the other threads off its core. The whole check (held, trial, held
        /// again) still fits in a 6 s run of a load.
        /// </summary>
        internal const int WindowsToSettleTrial = 4;

        /// <summary>Windows whose relayed bytes make one measurement (one second).</summary>
        internal const int WindowsMeasured = 4;

        /// <summary>
        /// The share of the held count's rate that makes a difference clear: more loops are kept only
        /// when they relay this much more, fewer unless they relay this much less. One second's
        /// measurement of a steady load varies by a few percent (its windows by a fifth).
        /// </summary>
        internal const double ClearShare = 0.03;

        /// <summary>Windows under load between a decision and the next trial (30 seconds).</summary>
        internal const int LoadedWindowsBetweenTrials = 120;

        /// <summary>
        /// A change in the open sockets, against the last decision, that makes a load another load,
        /// measured at once: this factor either way, by at least <see cref="SocketsToRemeasure"/>,
        /// for a second of loaded windows in a row (four streams after one).
        /// </summary>
        internal const double SocketFactorToRemeasure = 1.5;

        internal const int SocketsToRemeasure = 4;

        /// <summary>
        /// A change in the bytes relayed per second, against the last decision, that makes a load
        /// another load, measured at once: this factor either way for a second of loaded windows in a
        /// row (keep-alive requests after new connections: four times the bytes). Not less: the bench
        /// machine's own speed drifts by up to 1.4x within a run (HAProxy's keep-alive rounds 45,722
        /// then 34,704 req/s), and at 1.5 that drift passed for another load and cost a round a trial.
        /// </summary>
        internal const double RateFactorToRemeasure = 2;

        /// <summary>
        /// A change in the open sockets, against a measurement's first window, that spoils it in a
        /// single window: a load closing its connections and opening others (wrk between runs: 130
        /// sockets, then 2); new connections churn them from 85 to 233 in a few windows.
        /// </summary>
        internal const double FactorToSpoil = 3;

        private Phase _phase = Phase.Holding;
        private int _windows;
        private int _loadedSinceTrial;
        private bool _decided;
        private bool _tryFewer = true;
        private int _held;
        private long _measured;
        private long _lowest; // the measurement's lowest window, left out of it
        private double _measuredWork; // the loop work (cores) summed over the measurement's windows
        private int _firstSockets; // the sockets open at the measurement's first window
        private long _socketSum; // the open sockets summed over the measurement's windows
        private int _measuredSockets; // the open sockets over the last complete measurement, on average
        private long _heldBytes;
        private int _trial; // the count on trial, from its start to its decision
        private long _trialBytes;
        private int _decidedSockets;
        private long _decidedBytes;
        private int _socketsChanged; // loaded windows in a row with another load's sockets
        private int _rateChanged; // loaded windows in a row with another load's rate
        private bool _trialsOff;

        public LoopPacking(int loops)
        {
            if (loops < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(loops), loops, "A group has at least one loop.");
            }
            Loops = loops;
            Active = loops;
        }

        private enum Phase
        {
            Holding,
            MeasuringHeld,
            MeasuringTrial,
            MeasuringHeldAgain,
        }

        public int Loops { get; }

        /// <summary>The loops that take new connections: the first <see cref="Active"/> of the group.</summary>
        public int Active { get; private set; }

        /// <summary>What the last change was and why (for the trace and the tests).</summary>
        public string Reason { get; private set; } = "every loop until a trial under load says otherwise";

        /// <summary>
        /// Weighs one window: the loop threads' work in it (cores, summed), the bytes they sent, and
        /// the sockets open on them at its end. True when <see cref="Active"/> changed.
        /// </summary>
        public bool Observe(double loopWork, long bytesSent, int openSockets)
        {
            bool loaded = loopWork >= LoadToMeasure;
            switch (_phase)
            {
                case Phase.Holding:
                    if (!loaded || Loops == 1 || _trialsOff)
                    {
                        return false;
                    }
                    bool anotherLoad = !_decided || AnotherLoad(bytesSent, openSockets);
                    if (anotherLoad || ++_loadedSinceTrial >= LoadedWindowsBetweenTrials)
                    {
                        Begin(Phase.MeasuringHeld);
                        if (anotherLoad && Active < Loops)
                        {
                            // What suited the last load may not suit this one: it starts where a
                            // group starts, on every loop (the spread bulk transfers need at once).
                            Active = Loops;
                            Reason = "another load: every loop until a trial says otherwise";
                            return true;
                        }
                    }
                    return false;
                case Phase.MeasuringHeld:
                    if (!loaded)
                    {
                        _phase = Phase.Holding; // the load went away: measure again when it is back
                        return false;
                    }
                    switch (Measure(loopWork, bytesSent, openSockets))
                    {
                        case Measurement.Spoiled:
                            Begin(Phase.MeasuringHeld);
                            return false;
                        case Measurement.Running:
                            return false;
                    }
                    _held = Active;
                    _heldBytes = _measured;
                    int trial = TrialCount();
                    if (trial < _held && MeasuredCores >= trial)
                    {
                        // Fewer loops could not even run the work the held ones did (a bulk load
                        // on every loop): one more, if there are more, else the held count stays untried.
                        if (_held == Loops)
                        {
                            return HoldUntried();
                        }
                        trial = _held + 1;
                    }
                    _trial = Active = trial;
                    Reason = string.Format(CultureInfo.InvariantCulture, "trying {0} loops against {1} ({2})", Active, _held, PerSecond(_heldBytes));
                    Begin(Phase.MeasuringTrial);
                    return true;
                default:
                    if (!TrialWindow(loaded, loopWork, bytesSent, openSockets, out bool changed))
                    {
                        return changed;
                    }
                    return _phase == Phase.MeasuringTrial ? JudgeTrial() : JudgeHeldAgain();
            }
        }

        /// <summary>
        /// One window of the trial's two measurements (the trial count, then the held count again):
        /// true when the measurement is complete; else false, with whether the count changed (the
        /// load went away or changed its connections: no verdict).
        /// </summary>
        private bool TrialWindow(bool loaded, double loopWork, long bytesSent, int openSockets, out bool changed)
        {
            changed = false;
            if (!loaded)
            {
                changed = NoVerdict("the load went away during the trial");
                return false;
            }
            switch (Measure(loopWork, bytesSent, openSockets))
            {
                case Measurement.Spoiled:
                    changed = NoVerdict("the load's connections changed during the trial");
                    return false;
                case Measurement.Running:
                    // Not judged on fewer windows: one window's bytes vary by a fifth either way.
                    return false;
                default:
                    return true;
            }
        }

        /// <summary>
        /// The trial measured: back when it does not hold its own against the held count (fewer
        /// loops clearly behind, more loops not clearly ahead); otherwise the held count is measured
        /// once more before the verdict.
        /// </summary>
        private bool JudgeTrial()
        {
            if (!TrialHolds(_measured, _heldBytes))
            {
                return Decide(keep: false, Figures(_measured));
            }
            // A load that was only growing (the trial came second) must not pass for a better count.
            _trialBytes = _measured;
            Active = _held;
            Reason = "measuring again: " + Figures(_trialBytes);
            Begin(Phase.MeasuringHeldAgain);
            return true;
        }

        /// <summary>
        /// The held count measured again, and the verdict against its rate: for fewer loops the two
        /// measurements' average (what it relayed at the trial's time, were the load drifting
        /// evenly), for more loops the better of the two.
        /// </summary>
        private bool JudgeHeldAgain()
        {
            string figures = Figures(_trialBytes) + string.Format(CultureInfo.InvariantCulture, ", then {0}", PerSecond(_measured));
            _heldBytes = TryingFewer ? (_heldBytes + _measured) / 2 : Math.Max(_heldBytes, _measured); // the held count's rate, should it stay
            return Decide(keep: TrialHolds(_trialBytes, _heldBytes), figures);
        }

        /// <summary>
        /// Whether the trial's bytes hold against the held count's by <see cref="ClearShare"/>: fewer
        /// loops unless they relayed clearly less, more loops only when they relayed clearly more.
        /// </summary>
        private bool TrialHolds(long trialBytes, long heldBytes)
            => TryingFewer ? trialBytes >= heldBytes * (1 - ClearShare) : trialBytes > heldBytes * (1 + ClearShare);

        private bool TryingFewer => _trial < _held;

        /// <summary>The load went away or changed during a trial: the held count again, measured anew when the load is back.</summary>
        private bool NoVerdict(string why)
        {
            bool changed = Decide(keep: false, why);
            _decided = false;
            return changed;
        }

        private string Figures(long trialBytes)
            => string.Format(CultureInfo.InvariantCulture, "{0} loops relayed {1}, {2} loops {3}", _trial, PerSecond(trialBytes), _held, PerSecond(_heldBytes));

        /// <summary>Every loop takes connections from here on, and no trial follows (the figures could not be read).</summary>
        public void ActivateAll(string reason)
        {
            Active = Loops;
            Reason = reason;
            _phase = Phase.Holding;
            _trialsOff = true;
        }

        /// <summary>
        /// Whether the open sockets or the rate changed enough since the decision to make this another
        /// load, each for <see cref="WindowsMeasured"/> loaded windows in a row: not a load opening or
        /// closing its connections, nor the part-loaded windows where one load ends and the next begins.
        /// </summary>
        private bool AnotherLoad(long bytesSent, int openSockets)
        {
            _socketsChanged = OtherSockets(openSockets, _decidedSockets) ? _socketsChanged + 1 : 0;
            long rate = bytesSent * WindowsMeasured; // the window's bytes at a measurement's length
            _rateChanged = rate > _decidedBytes * RateFactorToRemeasure || rate * RateFactorToRemeasure < _decidedBytes ? _rateChanged + 1 : 0;
            return _socketsChanged >= WindowsMeasured || _rateChanged >= WindowsMeasured;
        }

        /// <summary>Whether two socket counts are another load's: <see cref="SocketFactorToRemeasure"/> apart, by at least <see cref="SocketsToRemeasure"/>.</summary>
        private static bool OtherSockets(int a, int b)
        {
            int low = Math.Min(a, b);
            int high = Math.Max(a, b);
            return high - low >= SocketsToRemeasure && high >= low * SocketFactorToRemeasure;
        }

        private void Begin(Phase phase)
        {
            _phase = phase;
            _windows = 0;
            _measured = 0;
            _measuredWork = 0;
            _socketSum = 0;
            _lowest = long.MaxValue;
        }

        /// <summary>
        /// Counts one window of the current measurement. Complete after <see cref="WindowsMeasured"/>
        /// windows past the settling ones, with the lowest window left out and the rest scaled to
        /// the whole measurement; spoiled when the open sockets became another load's on the way.
        /// </summary>
        private Measurement Measure(double loopWork, long bytesSent, int openSockets)
        {
            _windows++;
            int settle = _phase == Phase.MeasuringTrial ? WindowsToSettleTrial : WindowsToSettle;
            if (_windows <= settle)
            {
                return Measurement.Running;
            }
            if (_windows == settle + 1)
            {
                _firstSockets = openSockets;
            }
            else if (Math.Max(openSockets, _firstSockets) > Math.Min(openSockets, _firstSockets) * FactorToSpoil)
            {
                return Measurement.Spoiled;
            }
            _socketSum += openSockets;
            _measured += bytesSent;
            _measuredWork += loopWork;
            _lowest = Math.Min(_lowest, bytesSent);
            if (_windows < settle + WindowsMeasured)
            {
                return Measurement.Running;
            }
            _measured = (_measured - _lowest) * WindowsMeasured / (WindowsMeasured - 1);
            _measuredSockets = (int)(_socketSum / WindowsMeasured);
            return Measurement.Complete;
        }

        /// <summary>One fewer from the top, one more from one; in between, on in the direction that last won (a lost trial turns it).</summary>
        private int TrialCount()
        {
            if (Active == 1)
            {
                return 2;
            }
            if (Active == Loops)
            {
                return Active - 1;
            }
            return _tryFewer ? Active - 1 : Active + 1;
        }

        /// <summary>No trial this time: fewer loops could not run the work, and there are no more (the held count stays, decided).</summary>
        private bool HoldUntried()
        {
            HoldDecided(_held, _heldBytes);
            Reason = string.Format(CultureInfo.InvariantCulture, "kept {0} loops untried: they ran {1:0.00} cores ({2}), more than {3} can", _held, MeasuredCores, PerSecond(_heldBytes), _held - 1);
            return false;
        }

        /// <summary>Ends the trial: its count kept, or back to the held count. True when <see cref="Active"/> changed.</summary>
        private bool Decide(bool keep, string why)
        {
            int was = Active;
            _tryFewer = keep == TryingFewer;
            HoldDecided(keep ? _trial : _held, keep ? _trialBytes : _heldBytes);
            Reason = keep
                ? string.Format(CultureInfo.InvariantCulture, "kept {0} loops: {1}", _trial, why)
                : string.Format(CultureInfo.InvariantCulture, "back to {0} loops: {1}", _held, why);
            return Active != was;
        }

        /// <summary>
        /// Holds <paramref name="active"/> loops as decided for a load of <paramref name="bytes"/> and
        /// the last measurement's sockets (on average: new connections churn them by half from one
        /// window to the next), until the next trial or another load.
        /// </summary>
        private void HoldDecided(int active, long bytes)
        {
            _phase = Phase.Holding;
            _loadedSinceTrial = 0;
            _decided = true;
            _decidedSockets = _measuredSockets;
            _decidedBytes = bytes;
            _socketsChanged = 0;
            _rateChanged = 0;
            Active = active;
        }

        /// <summary>The loop work over the last measurement, on average (cores, summed over the loops).</summary>
        private double MeasuredCores => _measuredWork / WindowsMeasured;

        private static string PerSecond(long bytes)
            => string.Format(CultureInfo.InvariantCulture, "{0:0.0} MB/s", bytes / (WindowsMeasured * WindowMilliseconds / 1000.0) / 1e6);
    }
}
