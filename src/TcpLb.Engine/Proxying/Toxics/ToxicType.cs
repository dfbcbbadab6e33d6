namespace TcpLb.Engine.Proxying.Toxics
{
    /// <summary>What a toxic does to the path, named as toxiproxy names its toxics.</summary>
    public enum ToxicType
    {
        /// <summary>Delays each chunk by <see cref="ToxicDefinition.Latency"/> ± <see cref="ToxicDefinition.Jitter"/> (toxiproxy's latency).</summary>
        Latency,

        /// <summary>Passes at most <see cref="ToxicDefinition.RateBytesPerSecond"/> (toxiproxy's bandwidth).</summary>
        Bandwidth,

        /// <summary>Holds the FIN back for <see cref="ToxicDefinition.Delay"/> (toxiproxy's slow_close).</summary>
        SlowClose,

        /// <summary>
        /// Drops every byte (and the FIN) of its direction; closes the connection
        /// <see cref="ToxicDefinition.Timeout"/> after it began, or never with 0 (toxiproxy's timeout).
        /// </summary>
        Timeout,

        /// <summary>Resets the connection <see cref="ToxicDefinition.Timeout"/> after it began; 0: at once (toxiproxy's reset_peer).</summary>
        ResetPeer,

        /// <summary>
        /// Cuts each chunk into pieces of <see cref="ToxicDefinition.AverageSize"/> ±
        /// <see cref="ToxicDefinition.SizeVariation"/> bytes, <see cref="ToxicDefinition.Delay"/> apart (toxiproxy's slicer).
        /// </summary>
        Slicer,

        /// <summary>Passes exactly <see cref="ToxicDefinition.Bytes"/> bytes, then a FIN, and reads that direction no further (toxiproxy's limit_data).</summary>
        LimitData,
    }
}
