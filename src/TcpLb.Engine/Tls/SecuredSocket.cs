using System;
using System.IO;
using System.Net.Security;
using System.Net.Sockets;
using System.Threading.Tasks;
using TcpLb.Engine.Net;

namespace TcpLb.Engine.Tls
{
    /// <summary>
    /// A connected socket and the stream that carries its bytes: an <see cref="SslStream"/> once a
    /// TLS handshake is done, else a plain <see cref="NetworkStream"/>. The stream never owns the
    /// socket; closing, half-closing and resetting go through here.
    /// </summary>
    internal sealed class SecuredSocket : IDisposable
    {
        // SslStream.ShutdownAsync (close_notify) is in .NET Core 2.0+ and .NET Framework 4.7+ but
        // not in netstandard2.0: bound once at run time; without it the FIN alone ends the stream.
        private static readonly Func<SslStream, Task>? SendCloseNotify = BindShutdown();

        private SecuredSocket(Socket socket, Stream stream, SslStream? tls)
        {
            Socket = socket;
            Stream = stream;
            Tls = tls;
        }

        public Socket Socket { get; }

        public Stream Stream { get; }

        /// <summary>The TLS session, or null for a plain connection.</summary>
        public SslStream? Tls { get; }

        public static SecuredSocket Plain(Socket socket) => new SecuredSocket(socket, new NetworkStream(socket, ownsSocket: false), null);

        public static SecuredSocket Secured(Socket socket, SslStream tls) => new SecuredSocket(socket, tls, tls);

        /// <summary>
        /// No more bytes will be sent: a TLS close_notify (for a TLS connection), then FIN. The
        /// other direction stays open. Failures are ignored: the peer may be gone already.
        /// </summary>
        public async Task ShutdownSendAsync()
        {
            if (Tls != null && SendCloseNotify != null)
            {
                try
                {
                    await SendCloseNotify(Tls).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException || e is ObjectDisposedException || e is InvalidOperationException || e is NotSupportedException)
                {
                }
            }
            Socket.TryShutdownSend();
        }

        /// <summary>Resets the connection (RST).</summary>
        public void Abort()
        {
            Socket.Abort();
            DisposeStream();
        }

        /// <summary>Closes the connection (FIN, if not sent already).</summary>
        public void Dispose()
        {
            DisposeStream();
            Socket.Dispose();
        }

        private static Func<SslStream, Task>? BindShutdown()
        {
            System.Reflection.MethodInfo? method = typeof(SslStream).GetMethod("ShutdownAsync", Type.EmptyTypes);
            return method == null ? null : (Func<SslStream, Task>)Delegate.CreateDelegate(typeof(Func<SslStream, Task>), method);
        }

        private void DisposeStream()
        {
            try
            {
                Stream.Dispose();
            }
            catch (Exception e) when (e is IOException || e is ObjectDisposedException || e is SocketException)
            {
            }
        }
    }
}
