using System;
using System.Buffers;
using System.IO;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Tls;

namespace TcpLb.Engine.Proxying
{
    /// <summary>
    /// Carries both directions of a connection with TLS on one side or both: the portable path,
    /// over streams (<see cref="SecuredSocket"/>), beside the socket path of
    /// <see cref="DuplexPump"/>. Same rules: a FIN (or TLS close_notify) from one side becomes
    /// close_notify and FIN on the other, the pair closes when both directions are done or the
    /// second goes the FIN timeout without a byte, a failure on either side resets both.
    /// Idle directions hold no buffer (zero-byte reads, where the runtime supports them). It
    /// neither replays nor moves connections; each read and write costs a small allocation (a Task).
    /// </summary>
    internal static class TlsDuplexPump
    {
        /// <summary>SslStream and NetworkStream wait for data on a zero-byte read in .NET Core 3+; .NET Framework returns at once.</summary>
        private static readonly bool ZeroByteReads = !RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal);

        /// <summary>Smaller than the socket path's buffer: TLS records carry at most 16 KiB.</summary>
        private const int BufferSize = 32 * 1024;

        /// <summary>Pumps until the connection is over; closes both sides (resets them unless both directions finished cleanly). True when clean.</summary>
        public static async Task<bool> RunAsync(SecuredSocket client, SecuredSocket server, TimeSpan finTimeout, ActivityStamp? activity, TrafficCounter? up, TrafficCounter? upTotal, TrafficCounter? down, TrafficCounter? downTotal)
            => await RelayAsync(client, server, finTimeout, activity, up, upTotal, down, downTotal).ConfigureAwait(false) == TlsRelayEnd.Clean;

        /// <summary>As <see cref="RunAsync"/>, saying how the connection ended.</summary>
        public static async Task<TlsRelayEnd> RelayAsync(SecuredSocket client, SecuredSocket server, TimeSpan finTimeout, ActivityStamp? activity, TrafficCounter? up, TrafficCounter? upTotal, TrafficCounter? down, TrafficCounter? downTotal)
        {
            activity ??= new ActivityStamp();
            // A reset a write took is still a reset when reads then see an end of stream (see SendWitness).
            var clientSends = new SendWitness(finTimeout);
            var serverSends = new SendWitness(finTimeout);
            Task<PumpOutcome> upward = CopyAsync(client, server, activity, up, upTotal, sourceSends: clientSends, destinationSends: serverSends);
            Task<PumpOutcome> downward = CopyAsync(server, client, activity, down, downTotal, sourceSends: serverSends, destinationSends: clientSends);
            Task<PumpOutcome> first = await Task.WhenAny(upward, downward).ConfigureAwait(false);
            Task<PumpOutcome> second = ReferenceEquals(first, upward) ? downward : upward;
            bool secondEnded = first.Result == PumpOutcome.Finished
                && await DuplexPump.CompletesBeforeIdleAsync(second, finTimeout, activity).ConfigureAwait(false);
            if (secondEnded && second.Result == PumpOutcome.Finished)
            {
                client.Dispose();
                server.Dispose();
                return TlsRelayEnd.Clean;
            }
            client.Abort();
            server.Abort();
            await second.ConfigureAwait(false);
            // The direction that failed first says which side failed; the other one ended because of it.
            Task<PumpOutcome>? failed = first.Result != PumpOutcome.Finished ? first : secondEnded ? second : null;
            if (failed == null)
            {
                return TlsRelayEnd.Other;
            }
            return (failed.Result == PumpOutcome.SourceFailed) == ReferenceEquals(failed, upward) ? TlsRelayEnd.ClientFailed : TlsRelayEnd.ServerFailed;
        }

        /// <summary>
        /// One direction: bytes from <paramref name="source"/> to <paramref name="destination"/> until the source's end, which is passed on;
        /// with the witnesses of the sends to each side, an end from a source a write has seen reset is that reset, not a FIN.
        /// </summary>
        public static async Task<PumpOutcome> CopyAsync(SecuredSocket source, SecuredSocket destination, ActivityStamp? activity, TrafficCounter? counter, TrafficCounter? secondCounter, Func<Task>? beforeEachWrite = null, SendWitness? sourceSends = null, SendWitness? destinationSends = null)
        {
            byte[]? buffer = null;
            bool dataLikelyPending = false;
            try
            {
                while (true)
                {
                    int read;
                    try
                    {
                        if (ZeroByteReads && !dataLikelyPending)
                        {
                            await source.Stream.ReadAsync(Array.Empty<byte>(), 0, 0).ConfigureAwait(false);
                        }
                        buffer ??= ArrayPool<byte>.Shared.Rent(BufferSize);
                        read = await source.Stream.ReadAsync(buffer, 0, buffer.Length).ConfigureAwait(false);
                    }
                    catch (Exception e) when (IsConnectionFailure(e))
                    {
                        return PumpOutcome.SourceFailed;
                    }
                    if (read == 0 && sourceSends != null && await sourceSends.SawResetAsync(source, activity ?? new ActivityStamp()).ConfigureAwait(false))
                    {
                        return PumpOutcome.SourceFailed;
                    }
                    activity?.Touch();
                    if (read == 0)
                    {
                        await destination.ShutdownSendAsync().ConfigureAwait(false);
                        return PumpOutcome.Finished;
                    }
                    try
                    {
                        if (beforeEachWrite != null)
                        {
                            await beforeEachWrite().ConfigureAwait(false);
                        }
                        destinationSends?.BeginSend(destination);
                        await destination.Stream.WriteAsync(buffer, 0, read).ConfigureAwait(false);
                        destinationSends?.EndSend(destination, failed: false);
                    }
                    catch (Exception e) when (IsConnectionFailure(e) || e is OperationCanceledException)
                    {
                        destinationSends?.EndSend(destination, failed: true);
                        return PumpOutcome.DestinationFailed;
                    }
                    counter?.Add(read);
                    secondCounter?.Add(read);
                    dataLikelyPending = read == buffer.Length;
                    if (!dataLikelyPending && ZeroByteReads)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = null;
                    }
                }
            }
            finally
            {
                if (buffer != null)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }

        internal static bool IsConnectionFailure(Exception e)
            => e is IOException || e is SocketException || e is ObjectDisposedException || e is AuthenticationException || e is InvalidOperationException || e is NotSupportedException;
    }
}
