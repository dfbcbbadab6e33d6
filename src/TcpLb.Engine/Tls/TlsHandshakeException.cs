using System;

namespace TcpLb.Engine.Tls
{
    /// <summary>A TLS handshake failed or timed out; the message says which and why.</summary>
    public sealed class TlsHandshakeException : Exception
    {
        public TlsHandshakeException(string message, Exception? inner = null)
            : base(message, inner)
        {
        }
    }
}
