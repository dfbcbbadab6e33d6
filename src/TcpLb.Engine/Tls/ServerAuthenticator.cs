using System;
using System.Net.Security;
using System.Reflection;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;

namespace TcpLb.Engine.Tls
{
    /// <summary>
    /// Runs the server side of a handshake with one certificate. Given a bare certificate, SslStream
    /// builds its chain again on every handshake; .NET 5+ can build it once into an
    /// SslStreamCertificateContext, passed through SslServerAuthenticationOptions. Neither type is
    /// in netstandard2.0, so they are bound here at run time, once; where they are missing (Windows
    /// PowerShell 5.1) the plain certificate overload is used.
    /// </summary>
    internal sealed class ServerAuthenticator
    {
        private static readonly Type? OptionsType = typeof(SslStream).Assembly.GetType("System.Net.Security.SslServerAuthenticationOptions");
        private static readonly MethodInfo? AuthenticateWithOptions = OptionsType == null
            ? null
            : typeof(SslStream).GetMethod("AuthenticateAsServerAsync", new[] { OptionsType, typeof(CancellationToken) });

        private readonly X509Certificate2 _certificate;
        private readonly object? _options;

        public ServerAuthenticator(X509Certificate2 certificate)
        {
            _certificate = certificate;
            _options = BuildOptions(certificate);
        }

        /// <summary>True when the certificate context is built once (.NET 5+).</summary>
        public bool UsesCertificateContext => _options != null;

        public Task AuthenticateAsync(SslStream tls, CancellationToken cancellation)
        {
            if (_options != null)
            {
                try
                {
                    return (Task)AuthenticateWithOptions!.Invoke(tls, new object[] { _options, cancellation })!;
                }
                catch (TargetInvocationException e) when (e.InnerException != null)
                {
                    return Task.FromException(e.InnerException);
                }
            }
            return tls.AuthenticateAsServerAsync(_certificate);
        }

        private static object? BuildOptions(X509Certificate2 certificate)
        {
            if (AuthenticateWithOptions == null || OptionsType == null)
            {
                return null;
            }
            Type? contextType = typeof(SslStream).Assembly.GetType("System.Net.Security.SslStreamCertificateContext");
            MethodInfo? create = contextType?.GetMethod("Create", new[] { typeof(X509Certificate2), typeof(X509Certificate2Collection), typeof(bool) });
            PropertyInfo? contextProperty = OptionsType.GetProperty("ServerCertificateContext");
            if (create == null || contextProperty == null)
            {
                return null;
            }
            try
            {
                // offline: the chain is built from what the machine has, without fetching intermediates.
                object context = create.Invoke(null, new object?[] { certificate, null, true })!;
                object options = Activator.CreateInstance(OptionsType)!;
                contextProperty.SetValue(options, context);
                return options;
            }
            catch (TargetInvocationException)
            {
                return null;
            }
        }
    }
}
