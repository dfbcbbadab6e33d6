using System;
using System.Buffers;
using System.Net.Sockets;
using System.Threading.Tasks;
using TcpLb.Engine.Net;

namespace TcpLb.Engine.Proxying
{
    /// <summary>
    /// Copies one direction of a connection: bytes from a source socket to a destination socket,
    /// in order, until the source sends FIN, which becomes a send-shutdown on the destination.
    /// An idle direction holds no buffer: it waits with a zero-byte read and rents a pooled
    /// buffer only when data is there. In steady state nothing is allocated per read or write.
    /// </summary>
    internal static class StreamPump
    {
        /// <summary>Large enough for loopback bursts; ArrayPool keeps these per core.</summary>
        public const int BufferSize = 64 * 1024;

        public static async Task<PumpOutcome> RunAsync(Socket source, Socket destination, SocketAwaitableEventArgs args, TrafficCounter? counter, TrafficCounter? secondCounter, ActivityStamp? activity = null, IChunkShaper? shaper = null)
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
                        if (!dataLikelyPending)
                        {
                            await source.WaitForDataAsync(args);
                        }
                        buffer ??= ArrayPool<byte>.Shared.Rent(BufferSize);
                        read = await source.ReceiveAsync(args, buffer, 0, buffer.Length);
                    }
                    catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
                    {
                        return PumpOutcome.SourceFailed;
                    }

                    activity?.Touch();
                    if (read == 0)
                    {
                        destination.TryShutdownSend();
                        return PumpOutcome.Finished;
                    }

                    try
                    {
                        Task? shaped = shaper?.TrySendShapedAsync(destination, args, buffer, read);
                        if (shaped != null)
                        {
                            await shaped.ConfigureAwait(false);
                        }
                        else
                        {
                            int offset = 0;
                            while (offset < read)
                            {
                                int sent = await destination.SendAsync(args, buffer, offset, read - offset);
                                if (sent <= 0)
                                {
                                    return PumpOutcome.DestinationFailed;
                                }
                                offset += sent;
                            }
                        }
                    }
                    catch (Exception e) when (e is SocketException || e is ObjectDisposedException || e is OperationCanceledException)
                    {
                        return PumpOutcome.DestinationFailed;
                    }

                    counter?.Add(read);
                    secondCounter?.Add(read);

                    // A full buffer means more is probably queued: read again at once and keep the
                    // buffer. Otherwise give it back and wait without one.
                    dataLikelyPending = read == buffer.Length;
                    if (!dataLikelyPending)
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
    }
}
