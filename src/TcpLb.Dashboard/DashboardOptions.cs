using System;
using System.Net;

namespace TcpLb.Dashboard
{
    /// <summary>Where the dashboard listens and what it serves.</summary>
    public sealed class DashboardOptions
    {
        /// <summary>Loopback unless told otherwise.</summary>
        public IPAddress ListenAddress { get; set; } = IPAddress.Loopback;

        /// <summary>0 picks a free port (<see cref="DashboardServer.Uri"/> has the real one).</summary>
        public int Port { get; set; }

        /// <summary>
        /// toxiproxy's HTTP API on its own paths (/version, /proxies, /populate, /reset). Off by
        /// default; when on, the listen address must be loopback.
        /// </summary>
        public bool ToxiproxyApi { get; set; }

        /// <summary>Who may make requests (the balancers' own allow and deny lists); none by default: everyone who reaches the listener.</summary>
        public Engine.Access.AccessRules Access { get; set; } = Engine.Access.AccessRules.None;

        /// <summary>How often the page's history takes a sample of every backend.</summary>
        public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(1);

        /// <summary>Samples kept per backend for the page's chart (the last few minutes).</summary>
        public int HistoryLength { get; set; } = 300;

        internal void Validate()
        {
            if (ListenAddress == null)
            {
                throw new ArgumentNullException(nameof(ListenAddress));
            }
            if (Access == null)
            {
                throw new ArgumentNullException(nameof(Access));
            }
            if (Port < 0 || Port > 65535)
            {
                throw new ArgumentOutOfRangeException(nameof(Port), Port, $"Port {Port} is out of range: use 0 (a free port) to 65535.");
            }
            if (ToxiproxyApi && !IsLoopback(ListenAddress))
            {
                throw new ArgumentException($"toxiproxy's API lets anyone who reaches it start listeners and break connections, so it listens on loopback only; {ListenAddress} is not loopback. Use 127.0.0.1 or ::1, or leave the API off.", nameof(ToxiproxyApi));
            }
            if (SampleInterval < TimeSpan.FromMilliseconds(100) || SampleInterval > TimeSpan.FromMinutes(1))
            {
                throw new ArgumentOutOfRangeException(nameof(SampleInterval), SampleInterval, "SampleInterval must be 100 ms to 1 minute.");
            }
            if (HistoryLength < 2 || HistoryLength > 3600)
            {
                throw new ArgumentOutOfRangeException(nameof(HistoryLength), HistoryLength, "HistoryLength must be 2 to 3600 samples.");
            }
        }

        /// <summary>127.0.0.0/8, ::1 and their IPv4-mapped forms.</summary>
        public static bool IsLoopback(IPAddress address)
            => IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
    }
}
