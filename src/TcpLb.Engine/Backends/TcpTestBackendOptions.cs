using System;
using System.Collections.Generic;
using System.Net;
using TcpLb.Engine.Tls;

namespace TcpLb.Engine.Backends
{
    /// <summary>Everything a test backend needs to start.</summary>
    public sealed class TcpTestBackendOptions
    {
        public IPAddress ListenAddress { get; set; } = IPAddress.Loopback;

        /// <summary>Listen port; 0 picks a free one.</summary>
        public int Port { get; set; }

        public TcpBackendMode Mode { get; set; } = TcpBackendMode.Identify;

        /// <summary>Sources that may connect (addresses and CIDR ranges); empty: every source not denied.</summary>
        public IList<string> AllowFrom { get; } = new List<string>();

        /// <summary>Sources that are reset at accept; deny wins over allow.</summary>
        public IList<string> DenyFrom { get; } = new List<string>();

        /// <summary>
        /// Each connection must start with a PROXY protocol header, v1 or v2 (told apart by their
        /// first bytes); its client address is the one access rules and <see cref="ReportClient"/>
        /// use. A connection without a valid header within <see cref="ProxyHeaderTimeout"/> is reset.
        /// </summary>
        public bool AcceptProxyProtocol { get; set; }

        public TimeSpan ProxyHeaderTimeout { get; set; } = TimeSpan.FromSeconds(5);

        /// <summary>
        /// Identify mode adds the client's address to its reply: "Response from server running on
        /// port 8088 for 127.0.0.1:51234" (from the PROXY header when there is one).
        /// </summary>
        public bool ReportClient { get; set; }

        /// <summary>
        /// TLS on the backend's listener: clients connect with TLS, then get the same reply or
        /// echo. Faults act on the TCP connection, before any handshake; latency and jitter apply
        /// per reply or chunk; the bandwidth limit does not apply to TLS connections. Null (the default): plain TCP.
        /// </summary>
        public ListenerTlsOptions? Tls { get; set; }

        /// <summary>
        /// In Identify mode, how long to wait for the client to close after the reply before
        /// closing anyway. Also how long a <see cref="TcpBackendFault.Close"/> connection waits
        /// for the client's close.
        /// </summary>
        public TimeSpan LingerTimeout { get; set; } = TimeSpan.FromSeconds(10);

        /// <summary>
        /// Under <see cref="TcpBackendFault.Blackhole"/>, how long a connection is still held
        /// after the client's FIN before it is reset. TCP cannot tell a half-close from a client
        /// still waiting for the reply (as a probe's is) from a full close, so the backend holds
        /// on, but not for ever: this bounds what a blackhole holds under a stream of probes or
        /// health checks. A client that resets is let go at once.
        /// </summary>
        public TimeSpan BlackholeTimeout { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>
        /// The fault, latency and bandwidth limit to start with. The backend takes a copy; change
        /// the running backend's through <see cref="TcpTestBackend.Behavior"/>.
        /// </summary>
        public TcpBackendBehavior Behavior { get; set; } = new TcpBackendBehavior();
    }
}
