using System;
using System.Net;

namespace TcpLb.Engine.Backends
{
    /// <summary>Everything a test backend needs to start.</summary>
    public sealed class TcpTestBackendOptions
    {
        public IPAddress ListenAddress { get; set; } = IPAddress.Loopback;

        /// <summary>Listen port; 0 picks a free one.</summary>
        public int Port { get; set; }

        public TcpBackendMode Mode { get; set; } = TcpBackendMode.Identify;

        /// <summary>
        /// In Identify mode, how long to wait for the client to close after the reply before
        /// closing anyway.
        /// </summary>
        public TimeSpan LingerTimeout { get; set; } = TimeSpan.FromSeconds(10);
    }
}
