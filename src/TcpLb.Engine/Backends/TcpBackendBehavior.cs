using System;
using System.Globalization;
using System.Threading;
using TcpLb.Engine.Proxying.Toxics;

namespace TcpLb.Engine.Backends
{
    /// <summary>
    /// How a test backend misbehaves: a <see cref="TcpBackendFault"/>, added latency with jitter,
    /// and a bandwidth limit. Thread-safe and changeable while the backend runs: a change applies
    /// to new connections at once, and latency and bandwidth also to the later chunks of open
    /// connections. The default (no fault, no latency, no limit) adds nothing to the data path.
    /// </summary>
    public sealed class TcpBackendBehavior
    {
        /// <summary>The longest <see cref="Latency"/> or <see cref="Jitter"/>: one hour.</summary>
        public static readonly TimeSpan MaxDelay = TimeSpan.FromHours(1);

        private readonly object _gate = new object();
        private Snapshot _current = Snapshot.Default;

        /// <summary>Raised after a change, on the thread that made it. The backend reacts to a new fault here.</summary>
        public event EventHandler? Changed;

        public TcpBackendFault Fault
        {
            get => Current.Fault;
            set => Set(fault: value);
        }

        /// <summary>Delay before each reply (Identify mode) or before echoing each chunk (Echo mode); 0 for none.</summary>
        public TimeSpan Latency
        {
            get => Current.Latency;
            set => Set(latency: value);
        }

        /// <summary>Each delay is drawn uniformly from <see cref="Latency"/> ± this, never below zero.</summary>
        public TimeSpan Jitter
        {
            get => Current.Jitter;
            set => Set(jitter: value);
        }

        /// <summary>Limit on the bytes the backend sends on each connection, per second; 0 for none.</summary>
        public long BandwidthBytesPerSecond
        {
            get => Current.BandwidthBytesPerSecond;
            set => Set(bandwidthBytesPerSecond: value);
        }

        /// <summary>The settings now in force: one consistent set, read without locking.</summary>
        internal Snapshot Current => Volatile.Read(ref _current);

        /// <summary>
        /// Changes the settings given (the others stay as they are) in one step, then raises
        /// <see cref="Changed"/> if anything changed. Throws <see cref="ArgumentOutOfRangeException"/>
        /// for a value out of range, and nothing changes then.
        /// </summary>
        public void Set(TcpBackendFault? fault = null, TimeSpan? latency = null, TimeSpan? jitter = null, long? bandwidthBytesPerSecond = null)
        {
            if (fault.HasValue && !Enum.IsDefined(typeof(TcpBackendFault), fault.Value))
            {
                throw new ArgumentOutOfRangeException(nameof(fault), fault.Value, $"Fault {fault.Value} is not defined. Use one of: {string.Join(", ", Enum.GetNames(typeof(TcpBackendFault)))}.");
            }
            CheckDelay(latency, nameof(latency), "Latency");
            CheckDelay(jitter, nameof(jitter), "Jitter");
            if (bandwidthBytesPerSecond < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(bandwidthBytesPerSecond), bandwidthBytesPerSecond, $"Bandwidth {bandwidthBytesPerSecond} bytes per second is out of range: use 0 (no limit) or more.");
            }

            bool changed;
            lock (_gate)
            {
                Snapshot old = _current;
                var next = new Snapshot(
                    fault ?? old.Fault,
                    latency ?? old.Latency,
                    jitter ?? old.Jitter,
                    bandwidthBytesPerSecond ?? old.BandwidthBytesPerSecond);
                changed = !next.SameAs(old);
                if (changed)
                {
                    Volatile.Write(ref _current, next);
                }
            }
            if (changed)
            {
                Changed?.Invoke(this, EventArgs.Empty);
            }
        }

        /// <summary>A new, independent object with the same settings (and no <see cref="Changed"/> handlers).</summary>
        public TcpBackendBehavior Clone()
        {
            var copy = new TcpBackendBehavior();
            copy._current = Current;
            return copy;
        }

        public override string ToString() => Current.ToString();

        private static void CheckDelay(TimeSpan? value, string parameter, string what)
        {
            if (value < TimeSpan.Zero || value > MaxDelay)
            {
                throw new ArgumentOutOfRangeException(parameter, value, $"{what} {value.Value.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture)} ms is out of range: use 0 to {MaxDelay.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms.");
            }
        }

        /// <summary>One consistent set of settings; never changed once made.</summary>
        internal sealed class Snapshot
        {
            public static readonly Snapshot Default = new Snapshot(TcpBackendFault.None, TimeSpan.Zero, TimeSpan.Zero, 0);

            public Snapshot(TcpBackendFault fault, TimeSpan latency, TimeSpan jitter, long bandwidthBytesPerSecond)
            {
                Fault = fault;
                Latency = latency;
                Jitter = jitter;
                BandwidthBytesPerSecond = bandwidthBytesPerSecond;
                HasDelay = latency > TimeSpan.Zero || jitter > TimeSpan.Zero;
                IsShaped = HasDelay || bandwidthBytesPerSecond > 0;
                LatencyToxic = new ToxicDefinition(ToxicType.Latency, latency: latency, jitter: jitter);
                BandwidthToxic = new ToxicDefinition(ToxicType.Bandwidth, rateBytesPerSecond: Math.Max(1, bandwidthBytesPerSecond));
            }

            /// <summary>The latency and jitter as the toxic that applies them.</summary>
            public ToxicDefinition LatencyToxic { get; }

            /// <summary>The bandwidth limit as the toxic that applies it (in force only when the limit is above 0).</summary>
            public ToxicDefinition BandwidthToxic { get; }

            public TcpBackendFault Fault { get; }

            public TimeSpan Latency { get; }

            public TimeSpan Jitter { get; }

            public long BandwidthBytesPerSecond { get; }

            /// <summary>Latency or jitter is set.</summary>
            public bool HasDelay { get; }

            /// <summary>Latency, jitter or a bandwidth limit is set: sending takes the shaped path.</summary>
            public bool IsShaped { get; }

            public bool SameAs(Snapshot other)
                => Fault == other.Fault && Latency == other.Latency && Jitter == other.Jitter && BandwidthBytesPerSecond == other.BandwidthBytesPerSecond;

            public override string ToString()
                => string.Format(
                    CultureInfo.InvariantCulture,
                    "Fault={0}, Latency={1:0.###} ms, Jitter={2:0.###} ms, Bandwidth={3}",
                    Fault,
                    Latency.TotalMilliseconds,
                    Jitter.TotalMilliseconds,
                    BandwidthBytesPerSecond == 0 ? "unlimited" : BandwidthBytesPerSecond.ToString(CultureInfo.InvariantCulture) + " B/s");
        }
    }
}
