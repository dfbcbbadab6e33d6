using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Net;
using System.Security;
using TcpLb.Engine.Tls;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// Turns the TLS parameters of Start-TcpBalancer and Start-TcpBackend into engine options, or
    /// a terminating error that names the file or the parameters and says what is accepted.
    /// Everything is loaded before anything starts, so a bad certificate leaves nothing behind.
    /// </summary>
    internal static class TlsArgument
    {
        /// <summary>The listener's TLS: from -Certificate (PFX, or PEM with -CertificateKeyPath), or made with -SelfSignedCertificate; null for plain TCP.</summary>
        public static ListenerTlsOptions? Listener(PSCmdlet cmdlet, string? certificate, SecureString? password, string? keyPath, bool selfSigned, bool required = false)
        {
            CheckListenerParameters(cmdlet, certificate, password, keyPath, selfSigned);
            if (certificate != null)
            {
                string path = ResolvePath(cmdlet, certificate);
                string? key = keyPath == null ? null : ResolvePath(cmdlet, keyPath);
                try
                {
                    return new ListenerTlsOptions(TlsCertificates.LoadWithKey(path, password == null ? null : new NetworkCredential(string.Empty, password).Password, key));
                }
                catch (TlsCertificateException e)
                {
                    cmdlet.ThrowTerminatingError(new ErrorRecord(
                        new ArgumentException($"-Certificate: {e.Message}", e),
                        e.FileMissing ? "CertificateNotFound" : "InvalidCertificate",
                        e.FileMissing ? ErrorCategory.ObjectNotFound : ErrorCategory.InvalidData,
                        e.Path ?? certificate));
                }
            }
            if (selfSigned || required)
            {
                try
                {
                    return new ListenerTlsOptions(TlsCertificates.CreateSelfSigned());
                }
                catch (PlatformNotSupportedException e)
                {
                    cmdlet.ThrowTerminatingError(new ErrorRecord(e, "SelfSignedCertificateNotSupported", ErrorCategory.NotImplemented, null));
                }
            }
            return null;
        }

        /// <summary>TLS to the backends (-BackendTls and its options), or null.</summary>
        public static BackendTlsOptions? Backend(PSCmdlet cmdlet, bool backendTls, string? serverName, bool skipCheck, string? trustedPath)
        {
            CheckBackendParameters(cmdlet, backendTls, skipCheck, trustedPath);
            if (!backendTls)
            {
                return null;
            }
            var options = new BackendTlsOptions { ServerName = serverName, SkipCertificateCheck = skipCheck };
            if (trustedPath != null)
            {
                try
                {
                    foreach (var trusted in TlsCertificates.LoadTrusted(ResolvePath(cmdlet, trustedPath)))
                    {
                        options.TrustedCertificates.Add(trusted);
                    }
                }
                catch (TlsCertificateException e)
                {
                    cmdlet.ThrowTerminatingError(new ErrorRecord(
                        new ArgumentException($"-BackendTrustedCertificate: {e.Message}", e),
                        e.FileMissing ? "CertificateNotFound" : "InvalidCertificate",
                        e.FileMissing ? ErrorCategory.ObjectNotFound : ErrorCategory.InvalidData,
                        e.Path ?? trustedPath));
                }
            }
            return options;
        }

        /// <summary>
        /// For -Detached: the checks, then the file parameters as full paths (the process has a
        /// location of its own). A password is refused: it would have to cross in the clear.
        /// </summary>
        public static void ForDetached(PSCmdlet cmdlet, Hashtable forwarded, string? certificate, SecureString? password, string? keyPath, bool selfSigned, string? trustedPath = null)
        {
            CheckListenerParameters(cmdlet, certificate, password, keyPath, selfSigned);
            if (password != null)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException("-CertificatePassword cannot be used with -Detached: the password would have to reach the background process in the clear. Give a PFX without a password, or PEM files, in a folder only you can read; or start it without -Detached."),
                    "DetachedCertificatePassword",
                    ErrorCategory.InvalidArgument,
                    null));
            }
            foreach (var (name, value) in new[] { ("Certificate", certificate), ("CertificateKeyPath", keyPath), ("BackendTrustedCertificate", trustedPath) })
            {
                if (value != null)
                {
                    forwarded[name] = ResolvePath(cmdlet, value);
                }
            }
        }

        private static string ResolvePath(PSCmdlet cmdlet, string path) => cmdlet.GetUnresolvedProviderPathFromPSPath(path);

        private static void CheckListenerParameters(PSCmdlet cmdlet, string? certificate, SecureString? password, string? keyPath, bool selfSigned)
        {
            if (certificate != null && selfSigned)
            {
                Refuse(cmdlet, "-Certificate and -SelfSignedCertificate cannot be used together: give a certificate file, or ask for a throwaway self-signed certificate, not both.", "CertificateConflict");
            }
            var orphans = new List<string>();
            if (certificate == null && password != null)
            {
                orphans.Add("-CertificatePassword");
            }
            if (certificate == null && keyPath != null)
            {
                orphans.Add("-CertificateKeyPath");
            }
            if (orphans.Count > 0)
            {
                Refuse(cmdlet, $"{string.Join(" and ", orphans)} need{(orphans.Count == 1 ? "s" : "")} -Certificate: give the certificate file (PFX, or PEM) with -Certificate.", "CertificateParameterWithoutCertificate");
            }
        }

        private static void CheckBackendParameters(PSCmdlet cmdlet, bool backendTls, bool skipCheck, string? trustedPath)
        {
            var orphans = new List<string>();
            foreach (string name in new[] { "BackendTlsServerName", "SkipBackendCertificateCheck", "BackendTrustedCertificate" })
            {
                if (cmdlet.MyInvocation.BoundParameters.ContainsKey(name))
                {
                    orphans.Add("-" + name);
                }
            }
            if (!backendTls && orphans.Count > 0)
            {
                Refuse(cmdlet, $"{string.Join(", ", orphans)} cannot be used without -BackendTls: {(orphans.Count == 1 ? "it applies" : "they apply")} to TLS connections to the backends. Add -BackendTls, or remove {(orphans.Count == 1 ? "it" : "them")}.", "BackendTlsParameterWithoutBackendTls");
            }
            if (skipCheck && trustedPath != null)
            {
                Refuse(cmdlet, "-SkipBackendCertificateCheck and -BackendTrustedCertificate cannot be used together: with the check skipped, the trusted certificate would have no effect.", "BackendCertificateCheckConflict");
            }
        }

        private static void Refuse(PSCmdlet cmdlet, string message, string errorId)
            => cmdlet.ThrowTerminatingError(new ErrorRecord(new ArgumentException(message), errorId, ErrorCategory.InvalidArgument, null));
    }
}
