using System;
using System.Collections.Generic;
using System.Net;

namespace TcpLb.Engine.Balancing
{
    /// <summary>Everything a balancer needs to start.</summary>
    public sealed class TcpBalancerOptions
    {
        public const int DefaultPort = 8080;

        /// <summary>Listen address; loopback unless a caller says otherwise.</summary>
        public IPAddress ListenAddress { get; set; } = IPAddress.Loopback;

        /// <summary>Listen port; 0 picks a free one.</summary>
        public int Port { get; set; } = DefaultPort;

        /// <summary>Backends in round-robin order.</summary>
        public IList<BackendAddress> Backends { get; } = new List<BackendAddress>();

        /// <summary>How long to wait for a backend to accept a connection.</summary>
        public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

        /// <summary>
        /// How long a connection may stay half-closed (one side has sent FIN) before both sides
        /// are closed.
        /// </summary>
        public TimeSpan FinTimeout { get; set; } = TimeSpan.FromSeconds(30);

        internal void Validate()
        {
            if (ListenAddress == null)
            {
                throw new ArgumentException("ListenAddress is not set. Use an IP address such as 127.0.0.1 or ::1.");
            }
            if (Port < 0 || Port > 65535)
            {
                throw new ArgumentOutOfRangeException(nameof(Port), Port, $"Port {Port} is out of range. Use 1 to 65535, or 0 to let the system pick a free port.");
            }
            if (Backends.Count == 0)
            {
                throw new ArgumentException($"No backends were given. Give at least one: {BackendAddress.AcceptedForms}.");
            }
            if (ConnectTimeout <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), ConnectTimeout, "ConnectTimeout must be greater than zero.");
            }
            if (FinTimeout <= TimeSpan.Zero && FinTimeout != System.Threading.Timeout.InfiniteTimeSpan)
            {
                throw new ArgumentOutOfRangeException(nameof(FinTimeout), FinTimeout, "FinTimeout must be greater than zero, or infinite.");
            }
        }
    }
}
