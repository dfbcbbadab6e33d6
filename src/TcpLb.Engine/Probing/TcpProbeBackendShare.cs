namespace TcpLb.Engine.Probing
{
    /// <summary>How many probes one backend answered, in a <see cref="TcpProbeSummary"/>.</summary>
    public sealed class TcpProbeBackendShare
    {
        public TcpProbeBackendShare(int backend, int count, double share)
        {
            Backend = backend;
            Count = count;
            Share = share;
        }

        /// <summary>The port of the backend, as the probe results name it.</summary>
        public int Backend { get; }

        /// <summary>Probes this backend answered.</summary>
        public int Count { get; }

        /// <summary>Its fraction (0 to 1) of the probes that a backend answered by name.</summary>
        public double Share { get; }

        public override string ToString() => $"{Backend}: {Count} ({(Share * 100).ToString("0", System.Globalization.CultureInfo.InvariantCulture)}%)";
    }
}
