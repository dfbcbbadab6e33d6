using System;
using System.Globalization;

namespace TcpLb.Engine.Access
{
    /// <summary>
    /// A number of new connections per period, as "100/s" or "600/m": a token bucket that holds
    /// <see cref="Count"/> tokens (the burst) and refills at Count per <see cref="Period"/>.
    /// </summary>
    public readonly struct ConnectionRate : IEquatable<ConnectionRate>
    {
        public const string AcceptedForms = "a count per second or per minute, as 100/s or 600/m (a bare number means per second), with a count from 1 to 1000000";

        public ConnectionRate(int count, TimeSpan period)
        {
            if (count < 1 || count > 1_000_000)
            {
                throw new ArgumentOutOfRangeException(nameof(count), count, "The count of a connection rate must be 1 to 1000000.");
            }
            if (period <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(period), period, "The period of a connection rate must be greater than zero.");
            }
            Count = count;
            Period = period;
        }

        /// <summary>Connections per period, and the burst a source that was quiet may open at once.</summary>
        public int Count { get; }

        public TimeSpan Period { get; }

        /// <summary>True for the default value (no rate): a zero count.</summary>
        public bool IsNone => Count == 0;

        public double PerSecond => Count / Period.TotalSeconds;

        /// <summary>Parses "100/s", "100/sec", "600/m", "600/min" or "100"; throws a <see cref="FormatException"/> that names the text.</summary>
        public static ConnectionRate Parse(string text)
        {
            string trimmed = (text ?? "").Trim();
            int slash = trimmed.IndexOf('/');
            string countText = slash < 0 ? trimmed : trimmed.Substring(0, slash).Trim();
            string unit = slash < 0 ? "s" : trimmed.Substring(slash + 1).Trim().ToLowerInvariant();
            TimeSpan period;
            switch (unit)
            {
                case "s":
                case "sec":
                case "second":
                    period = TimeSpan.FromSeconds(1);
                    break;
                case "m":
                case "min":
                case "minute":
                    period = TimeSpan.FromMinutes(1);
                    break;
                default:
                    throw new FormatException($"'{text}' is not a connection rate: '{unit}' is not a unit (s or m). Accepted: {AcceptedForms}.");
            }
            if (countText.Length == 0 || countText.Length > 7 || !int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count < 1 || count > 1_000_000)
            {
                throw new FormatException($"'{text}' is not a connection rate: '{countText}' is not a count from 1 to 1000000. Accepted: {AcceptedForms}.");
            }
            return new ConnectionRate(count, period);
        }

        public bool Equals(ConnectionRate other) => Count == other.Count && Period == other.Period;

        public override bool Equals(object? obj) => obj is ConnectionRate other && Equals(other);

        public override int GetHashCode() => Count ^ Period.GetHashCode();

        public override string ToString()
            => IsNone ? "none" : Count.ToString(CultureInfo.InvariantCulture) + (Period == TimeSpan.FromMinutes(1) ? "/m" : Period == TimeSpan.FromSeconds(1) ? "/s" : "/" + Period.TotalMilliseconds.ToString(CultureInfo.InvariantCulture) + "ms");
    }
}
