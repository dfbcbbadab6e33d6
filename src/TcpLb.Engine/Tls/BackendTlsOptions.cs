using System;
using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;

namespace TcpLb.Engine.Tls
{
    /// <summary>TLS from the balancer to its backends: the balancer is the TLS client and checks each backend's certificate.</summary>
    public sealed class BackendTlsOptions
    {
        /// <summary>
        /// The name sent as SNI and checked against the backend's certificate; null (the default)
        /// uses each backend's host as given (a name, or an IP address, which is checked against
        /// the certificate's IP addresses and sends no SNI).
        /// </summary>
        public string? ServerName { get; set; }

        /// <summary>Accept any certificate the backend shows (expired, self-signed, another name). Off by default.</summary>
        public bool SkipCertificateCheck { get; set; }

        /// <summary>
        /// Certificates to trust beside the system's: a certificate authority, or a backend's own
        /// self-signed certificate. A backend's chain that ends at one of them is accepted (its name
        /// is still checked).
        /// </summary>
        public IList<X509Certificate2> TrustedCertificates { get; } = new List<X509Certificate2>();

        /// <summary>A backend that has not finished the TLS handshake within this long counts as a failed connect.</summary>
        public TimeSpan HandshakeTimeout { get; set; } = ListenerTlsOptions.DefaultHandshakeTimeout;

        internal void Validate()
        {
            if (ServerName != null && ServerName.Trim().Length == 0)
            {
                throw new ArgumentException("The backend TLS server name is empty. Give a host name, or leave it unset to use each backend's host.");
            }
            if (HandshakeTimeout <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(HandshakeTimeout), HandshakeTimeout, "The TLS handshake timeout must be greater than zero.");
            }
        }
    }
}
