namespace TcpLb.Engine.Probing
{
    /// <summary>Where a run of probe results first left the expected round-robin rotation.</summary>
    public sealed class TcpProbeRotationBreak
    {
        public TcpProbeRotationBreak(int position, int? sequence, int expected, int? actual)
        {
            Position = position;
            Sequence = sequence;
            Expected = expected;
            Actual = actual;
        }

        /// <summary>1-based position of the result in the order the results were given.</summary>
        public int Position { get; }

        /// <summary>The Sequence of the result there; null when the rotation ran out of results.</summary>
        public int? Sequence { get; }

        /// <summary>The backend (port) the rotation expected there.</summary>
        public int Expected { get; }

        /// <summary>The backend that answered there; null for a failed probe or a missing result.</summary>
        public int? Actual { get; }

        public override string ToString()
            => $"at {Position}: expected {Expected}, got {(Actual.HasValue ? Actual.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none")}";
    }
}
