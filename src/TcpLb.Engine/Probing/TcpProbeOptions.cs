using System;

namespace TcpLb.Engine.Probing
{
    /// <summary>What a probe run connects to and how.</summary>
    public sealed class TcpProbeOptions
    {
        public const int DefaultPort = 8080;
        public const int DefaultCount = 10;
        public const string DefaultMessage = "Hello";

        public string ComputerName { get; set; } = "localhost";

        public int Port { get; set; } = DefaultPort;

        /// <summary>How many connections to make.</summary>
        public int Count { get; set; } = DefaultCount;

        /// <summary>Sent on each connection before the probe half-closes and reads the reply.</summary>
        public string Message { get; set; } = DefaultMessage;

        /// <summary>Per-connection limit for connect, send and reading the whole reply.</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

        /// <summary>Connections in flight at once.</summary>
        public int Concurrency { get; set; } = 1;

        /// <summary>How much of each reply is kept as Response text; the rest is counted, not stored.</summary>
        public int MaxResponseBytes { get; set; } = 64 * 1024;

        internal void Validate()
        {
            Net.Endpoints.HostWithoutPort(ComputerName, "-ComputerName", "-Port");
            if (Port < 1 || Port > 65535)
            {
                throw new ArgumentOutOfRangeException(nameof(Port), Port, $"Port {Port} is out of range: use 1 to 65535.");
            }
            if (Count < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(Count), Count, $"Count {Count} is out of range: use 1 or more.");
            }
            if (Concurrency < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(Concurrency), Concurrency, $"Concurrency {Concurrency} is out of range: use 1 or more.");
            }
            if (Timeout <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, "Timeout must be greater than zero.");
            }
        }
    }
}
