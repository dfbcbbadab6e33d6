using System;
using System.Security.Cryptography.X509Certificates;

namespace TcpLb.Engine.Tls
{
    /// <summary>TLS on a listener: clients connect with TLS and the listener terminates it.</summary>
    public sealed class ListenerTlsOptions
    {
        /// <summary>The default <see cref="HandshakeTimeout"/>: 10 seconds.</summary>
        public static readonly TimeSpan DefaultHandshakeTimeout = TimeSpan.FromSeconds(10);

        public ListenerTlsOptions(X509Certificate2 certificate)
        {
            Certificate = certificate ?? throw new ArgumentNullException(nameof(certificate));
        }

        /// <summary>The listener's certificate, with its private key (see <see cref="TlsCertificates"/>).</summary>
        public X509Certificate2 Certificate { get; }

        /// <summary>Made once: what each handshake needs of the certificate.</summary>
        internal ServerAuthenticator Authenticator => _authenticator ??= new ServerAuthenticator(Certificate);

        private ServerAuthenticator? _authenticator;

        /// <summary>A client that has not finished the TLS handshake within this long is reset.</summary>
        public TimeSpan HandshakeTimeout { get; set; } = DefaultHandshakeTimeout;

        internal void Validate()
        {
            if (!Certificate.HasPrivateKey)
            {
                throw new ArgumentException($"The TLS certificate '{Certificate.Subject}' has no private key: a listener needs it. Load a PFX with its key, or a PEM certificate with its key file.");
            }
            if (HandshakeTimeout <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(HandshakeTimeout), HandshakeTimeout, "The TLS handshake timeout must be greater than zero.");
            }
        }
    }
}
