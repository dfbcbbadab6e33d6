using System;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Proxying;
using TcpLb.Engine.Tls;

namespace TcpLb.Engine.Backends
{
    /// <summary>The test backend with TLS on (<see cref="TcpTestBackendOptions.Tls"/>): the same reply or echo inside TLS.</summary>
    public sealed partial class TcpTestBackend
    {
        private async Task ServeTlsAsync(Socket socket)
        {
            SecuredSocket secured;
            try
            {
                secured = await TlsHandshake.AcceptAsync(socket, _options.Tls!, Stopping).ConfigureAwait(false);
            }
            catch (TlsHandshakeException)
            {
                return; // the socket is reset
            }
            using (secured)
            {
                try
                {
                    if (_options.Mode == TcpBackendMode.Echo)
                    {
                        PumpOutcome outcome = await TlsDuplexPump.CopyAsync(secured, secured, null, null, null, DelayPerChunk).ConfigureAwait(false);
                        if (outcome != PumpOutcome.Finished)
                        {
                            secured.Abort();
                        }
                    }
                    else
                    {
                        await IdentifyTlsAsync(secured).ConfigureAwait(false);
                    }
                }
                catch (Exception e) when (TlsDuplexPump.IsConnectionFailure(e) || e is OperationCanceledException)
                {
                    secured.Abort();
                }
            }
        }

        private async Task IdentifyTlsAsync(SecuredSocket secured)
        {
            int read = await secured.Stream.ReadAsync(Discard, 0, Discard.Length).ConfigureAwait(false);
            await DelayPerChunk().ConfigureAwait(false);
            await secured.Stream.WriteAsync(_reply, 0, _reply.Length).ConfigureAwait(false);
            await secured.ShutdownSendAsync().ConfigureAwait(false);
            if (read > 0)
            {
                // As on the plain path: read until the client's end, so unread bytes do not become a reset.
                using (var linger = new CancellationTokenSource(_options.LingerTimeout))
                using (linger.Token.Register(s => ((SecuredSocket)s!).Abort(), secured))
                {
                    while (await secured.Stream.ReadAsync(Discard, 0, Discard.Length).ConfigureAwait(false) > 0)
                    {
                    }
                }
            }
        }

        private Task DelayPerChunk()
        {
            TcpBackendBehavior.Snapshot shape = Behavior.Current;
            return shape.HasDelay ? Task.Delay(shape.LatencyToxic.NextDelay(), Stopping) : Task.CompletedTask;
        }
    }
}
