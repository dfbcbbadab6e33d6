using System;
using System.Globalization;

namespace TcpLb.Engine.Proxying.Toxics
{
    /// <summary>
    /// One toxic's type, direction, toxicity and settings, as toxiproxy has them (its attributes
    /// are these properties). Never changed once made: <see cref="With"/> makes a changed copy.
    /// Only the settings of its type matter; the others stay at their defaults.
    /// </summary>
    public sealed class ToxicDefinition
    {
        /// <summary>The longest delay, latency, jitter or timeout: one hour.</summary>
        public static readonly TimeSpan MaxDelay = TimeSpan.FromHours(1);

        public ToxicDefinition(
            ToxicType type,
            ToxicDirection direction = ToxicDirection.Downstream,
            double toxicity = 1,
            TimeSpan latency = default,
            TimeSpan jitter = default,
            long rateBytesPerSecond = 0,
            TimeSpan delay = default,
            TimeSpan timeout = default,
            int averageSize = 0,
            int sizeVariation = 0,
            long bytes = 0)
        {
            if (!Enum.IsDefined(typeof(ToxicType), type))
            {
                throw new ArgumentOutOfRangeException(nameof(type), type, $"Toxic type {type} is not defined. Use one of: {string.Join(", ", Enum.GetNames(typeof(ToxicType)))}.");
            }
            if (!Enum.IsDefined(typeof(ToxicDirection), direction))
            {
                throw new ArgumentOutOfRangeException(nameof(direction), direction, "Direction must be Upstream (client to backend) or Downstream (backend to client).");
            }
            if (double.IsNaN(toxicity) || toxicity < 0 || toxicity > 1)
            {
                throw new ArgumentOutOfRangeException(nameof(toxicity), toxicity, $"Toxicity {toxicity.ToString(CultureInfo.InvariantCulture)} is out of range: use 0 to 1 (the share of new connections the toxic applies to).");
            }
            CheckDelay(latency, nameof(latency), "Latency");
            CheckDelay(jitter, nameof(jitter), "Jitter");
            CheckDelay(delay, nameof(delay), "Delay");
            CheckDelay(timeout, nameof(timeout), "Timeout");
            if (rateBytesPerSecond < 0 || (type == ToxicType.Bandwidth && rateBytesPerSecond == 0))
            {
                throw new ArgumentOutOfRangeException(nameof(rateBytesPerSecond), rateBytesPerSecond, $"Rate {rateBytesPerSecond} bytes per second is out of range: a Bandwidth toxic needs a rate of 1 or more.");
            }
            if (averageSize < 0 || (type == ToxicType.Slicer && averageSize == 0))
            {
                throw new ArgumentOutOfRangeException(nameof(averageSize), averageSize, $"AverageSize {averageSize} is out of range: a Slicer toxic needs an average slice size of 1 byte or more.");
            }
            if (sizeVariation < 0 || (type == ToxicType.Slicer && sizeVariation >= averageSize))
            {
                throw new ArgumentOutOfRangeException(nameof(sizeVariation), sizeVariation, $"SizeVariation {sizeVariation} is out of range: use 0 to AverageSize - 1 ({Math.Max(0, averageSize - 1)}).");
            }
            if (bytes < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(bytes), bytes, $"Bytes {bytes} is out of range: use 0 or more.");
            }
            Type = type;
            Direction = direction;
            Toxicity = toxicity;
            Latency = latency;
            Jitter = jitter;
            RateBytesPerSecond = rateBytesPerSecond;
            Delay = delay;
            Timeout = timeout;
            AverageSize = averageSize;
            SizeVariation = sizeVariation;
            Bytes = bytes;
        }

        public ToxicType Type { get; }

        public ToxicDirection Direction { get; }

        /// <summary>The share of new connections the toxic applies to, 0 to 1 (drawn for each connection).</summary>
        public double Toxicity { get; }

        /// <summary>Latency: the delay added to each chunk.</summary>
        public TimeSpan Latency { get; }

        /// <summary>Latency: each delay is drawn uniformly from Latency ± Jitter, never below zero.</summary>
        public TimeSpan Jitter { get; }

        /// <summary>Bandwidth: bytes per second.</summary>
        public long RateBytesPerSecond { get; }

        /// <summary>SlowClose: how long the FIN is held back. Slicer: the pause between slices.</summary>
        public TimeSpan Delay { get; }

        /// <summary>Timeout: when the connection is closed (0: never). ResetPeer: when it is reset (0: at once).</summary>
        public TimeSpan Timeout { get; }

        /// <summary>Slicer: the average slice size in bytes.</summary>
        public int AverageSize { get; }

        /// <summary>Slicer: slices are AverageSize ± this many bytes.</summary>
        public int SizeVariation { get; }

        /// <summary>LimitData: the bytes passed before the FIN.</summary>
        public long Bytes { get; }

        /// <summary>Whether an open connection can take this toxic on when it is added (latency and bandwidth shape any chunk).</summary>
        public bool AppliesToOpenConnections => Type == ToxicType.Latency || Type == ToxicType.Bandwidth;

        /// <summary>A copy with the settings given changed (validated as a whole); the type stays.</summary>
        public ToxicDefinition With(
            ToxicDirection? direction = null,
            double? toxicity = null,
            TimeSpan? latency = null,
            TimeSpan? jitter = null,
            long? rateBytesPerSecond = null,
            TimeSpan? delay = null,
            TimeSpan? timeout = null,
            int? averageSize = null,
            int? sizeVariation = null,
            long? bytes = null)
            => new ToxicDefinition(
                Type,
                direction ?? Direction,
                toxicity ?? Toxicity,
                latency ?? Latency,
                jitter ?? Jitter,
                rateBytesPerSecond ?? RateBytesPerSecond,
                delay ?? Delay,
                timeout ?? Timeout,
                averageSize ?? AverageSize,
                sizeVariation ?? SizeVariation,
                bytes ?? Bytes);

        /// <summary>The next latency: uniform in Latency ± Jitter, never below zero.</summary>
        internal TimeSpan NextDelay()
        {
            if (Jitter <= TimeSpan.Zero)
            {
                return Latency;
            }
            long ticks = Latency.Ticks + (long)((ToxicRandom.NextDouble() * 2 - 1) * Jitter.Ticks);
            return ticks > 0 ? new TimeSpan(ticks) : TimeSpan.Zero;
        }

        /// <summary>The settings that matter for this type, in short: "100 ms ± 10 ms", "512 KB/s", "1024 ± 512 bytes every 1 ms".</summary>
        public string Attributes
        {
            get
            {
                switch (Type)
                {
                    case ToxicType.Latency:
                        return Ms(Latency) + (Jitter > TimeSpan.Zero ? " ± " + Ms(Jitter) : "");
                    case ToxicType.Bandwidth:
                        return string.Format(CultureInfo.InvariantCulture, "{0:0.###} KB/s", RateBytesPerSecond / 1024.0);
                    case ToxicType.SlowClose:
                        return "FIN after " + Ms(Delay);
                    case ToxicType.Timeout:
                        return Timeout > TimeSpan.Zero ? "close after " + Ms(Timeout) : "hold";
                    case ToxicType.ResetPeer:
                        return Timeout > TimeSpan.Zero ? "reset after " + Ms(Timeout) : "reset at once";
                    case ToxicType.Slicer:
                        return string.Format(CultureInfo.InvariantCulture, "{0} ± {1} bytes every {2}", AverageSize, SizeVariation, Ms(Delay));
                    default:
                        return string.Format(CultureInfo.InvariantCulture, "{0} bytes", Bytes);
                }
            }
        }

        public override string ToString()
            => string.Format(CultureInfo.InvariantCulture, "{0} {1} ({2}), Toxicity={3}", Type, Direction, Attributes, Toxicity);

        private static string Ms(TimeSpan value) => value.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + " ms";

        private static void CheckDelay(TimeSpan value, string parameter, string what)
        {
            if (value < TimeSpan.Zero || value > MaxDelay)
            {
                throw new ArgumentOutOfRangeException(parameter, value, $"{what} {value.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture)} ms is out of range: use 0 to {MaxDelay.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms.");
            }
        }
    }
}
