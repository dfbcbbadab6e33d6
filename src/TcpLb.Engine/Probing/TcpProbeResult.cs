using System;

namespace TcpLb.Engine.Probing
{
    /// <summary>The outcome of one probe connection.</summary>
    public sealed class TcpProbeResult
    {
        /// <summary>1-based number of the connection within its run.</summary>
        public int Sequence { get; internal set; }

        /// <summary>What was probed, as host:port.</summary>
        public string Target { get; internal set; } = "";

        /// <summary>The address actually connected to, when the connection was made.</summary>
        public string? RemoteEndPoint { get; internal set; }

        /// <summary>The reply as text, without its trailing line break.</summary>
        public string? Response { get; internal set; }

        /// <summary>The port of the backend that answered, where the reply names it.</summary>
        public int? Backend { get; internal set; }

        /// <summary>From the start of the connect to the end of the reply (or the failure).</summary>
        public TimeSpan Latency { get; internal set; }

        public TcpProbeStatus Status { get; internal set; }

        /// <summary>What went wrong, for any status but Success.</summary>
        public string? Error { get; internal set; }

        public int BytesSent { get; internal set; }

        public long BytesReceived { get; internal set; }

        /// <summary>When the connection started.</summary>
        public DateTimeOffset Timestamp { get; internal set; }

        public override string ToString() => Status == TcpProbeStatus.Success ? Response ?? "" : $"{Status}: {Error}";
    }
}
