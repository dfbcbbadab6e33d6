using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Net;

namespace TcpLb.Engine.Tls
{
    /// <summary>
    /// TLS handshakes on a connected socket, within a deadline (netstandard2.0's SslStream takes
    /// no cancellation token: the deadline resets the socket, which ends the handshake).
    /// </summary>
    internal static class TlsHandshake
    {
        /// <summary>As the server, with the listener's certificate. Throws <see cref="TlsHandshakeException"/>; the socket is then reset.</summary>
        public static async Task<SecuredSocket> AcceptAsync(Socket socket, ListenerTlsOptions options, CancellationToken stopping)
        {
            var tls = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
            try
            {
                await WithinAsync(socket, options.HandshakeTimeout, stopping, () => options.Authenticator.AuthenticateAsync(tls, stopping)).ConfigureAwait(false);
                return SecuredSocket.Secured(socket, tls);
            }
            catch (Exception e) when (IsHandshakeFailure(e))
            {
                tls.Dispose();
                socket.Abort();
                throw new TlsHandshakeException(Describe(e, options.HandshakeTimeout, "with a client"), e);
            }
        }

        /// <summary>As the client, checking the server's certificate against <paramref name="serverName"/> unless told not to.</summary>
        public static async Task<SecuredSocket> ConnectAsync(Socket socket, string serverName, BackendTlsOptions options, CancellationToken stopping)
        {
            string? refused = null;
            var tls = new SslStream(new NetworkStream(socket, ownsSocket: false), false, (sender, certificate, chain, errors) =>
            {
                refused = Accept(certificate, chain, errors, serverName, options);
                return refused == null;
            });
            try
            {
                await WithinAsync(socket, options.HandshakeTimeout, stopping, () => tls.AuthenticateAsClientAsync(serverName)).ConfigureAwait(false);
                return SecuredSocket.Secured(socket, tls);
            }
            catch (Exception e) when (IsHandshakeFailure(e))
            {
                tls.Dispose();
                socket.Abort();
                string message = refused != null
                    ? $"the TLS handshake with {serverName} failed: {refused}"
                    : Describe(e, options.HandshakeTimeout, "with " + serverName);
                throw new TlsHandshakeException(message, e);
            }
        }

        private static async Task WithinAsync(Socket socket, TimeSpan timeout, CancellationToken stopping, Func<Task> handshake)
        {
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping))
            using (deadline.Token.Register(s => ((Socket)s!).Abort(), socket))
            {
                deadline.CancelAfter(timeout);
                try
                {
                    await handshake().ConfigureAwait(false);
                }
                catch (Exception e) when (deadline.IsCancellationRequested && !stopping.IsCancellationRequested && IsHandshakeFailure(e))
                {
                    throw new TimeoutException("timed out", e);
                }
            }
        }

        private static bool IsHandshakeFailure(Exception e)
            => e is IOException || e is AuthenticationException || e is SocketException || e is ObjectDisposedException || e is TimeoutException || e is InvalidOperationException;

        private static string Describe(Exception e, TimeSpan timeout, string peer)
        {
            if (e is TimeoutException)
            {
                return $"the TLS handshake {peer} did not finish within {timeout.TotalMilliseconds:0} ms";
            }
            string message = e.Message.TrimEnd('.');
            if (e.InnerException != null && !(e is AuthenticationException))
            {
                message += ": " + e.InnerException.Message.TrimEnd('.');
            }
            return $"the TLS handshake {peer} failed ({message})";
        }

        /// <summary>
        /// The certificate check: none when skipped; else the system's, widened to chains that end
        /// at a trusted certificate. Null when accepted, else why not.
        /// </summary>
        private static string? Accept(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, string serverName, BackendTlsOptions options)
        {
            if (options.SkipCertificateCheck || errors == SslPolicyErrors.None)
            {
                return null;
            }
            if (errors == SslPolicyErrors.RemoteCertificateChainErrors && certificate != null && options.TrustedCertificates.Count > 0
                && ChainsToTrusted(new X509Certificate2(certificate), options.TrustedCertificates))
            {
                return null;
            }
            var reasons = new List<string>();
            if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
            {
                reasons.Add("the server showed no certificate");
            }
            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            {
                reasons.Add($"its certificate ({certificate?.Subject}) is not for '{serverName}'");
            }
            if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            {
                var status = new List<string>();
                if (chain != null)
                {
                    foreach (X509ChainStatus s in chain.ChainStatus)
                    {
                        status.Add(s.Status.ToString());
                    }
                }
                reasons.Add($"its certificate ({certificate?.Subject}) is not trusted{(status.Count > 0 ? " (" + string.Join(", ", status) + ")" : "")}: trust its issuer or the certificate itself, or skip the check");
            }
            return string.Join("; ", reasons);
        }

        private static bool ChainsToTrusted(X509Certificate2 certificate, IList<X509Certificate2> trusted)
        {
            using (var chain = new X509Chain())
            {
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                chain.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
                foreach (X509Certificate2 anchor in trusted)
                {
                    chain.ChainPolicy.ExtraStore.Add(anchor);
                }
                if (!chain.Build(certificate))
                {
                    return false;
                }
                X509Certificate2 root = chain.ChainElements[chain.ChainElements.Count - 1].Certificate;
                foreach (X509Certificate2 anchor in trusted)
                {
                    if (string.Equals(anchor.Thumbprint, root.Thumbprint, StringComparison.OrdinalIgnoreCase))
                    {
                        return true;
                    }
                }
                return false;
            }
        }
    }
}
