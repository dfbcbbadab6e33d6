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

        /// <summary>
        /// With <paramref name="pending"/>, until the server's first byte: the client→server
        /// direction asks it where to send each chunk (the connection may move to another server,
        /// which gets the held bytes first), and the server→client direction
        /// (<paramref name="sourceIsServer"/>) tells it of the first byte and leaves an early FIN
        /// from the server to the caller. After the first byte neither looks at it again.
        /// With <paramref name="sourceSends"/> and <paramref name="destinationSends"/> (the witnesses
        /// of the sends to each side, shared with the other direction), an end of stream from a
        /// source a send has seen reset is that reset (<see cref="PumpOutcome.SourceFailed"/>), not a FIN.
        /// </summary>
        public static async Task<PumpOutcome> RunAsync(Socket source, Socket destination, SocketAwaitableEventArgs args, TrafficCounter? counter, TrafficCounter? secondCounter, ActivityStamp? activity = null, IChunkShaper? shaper = null, PendingResponse? pending = null, bool sourceIsServer = false, SendWitness? sourceSends = null, SendWitness? destinationSends = null)
        {
            byte[]? buffer = null;
            bool dataLikelyPending = false;
            PendingResponse? forwarding = sourceIsServer ? null : pending;
            PendingResponse? awaitingFirstByte = sourceIsServer ? pending : null;
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
                    if (read == 0 && sourceSends != null && await sourceSends.SawResetAsync(source, activity ?? new ActivityStamp()).ConfigureAwait(false))
                    {
                        // Not a FIN: the other direction's send took the source's reset, and reads now see 0.
                        return PumpOutcome.SourceFailed;
                    }

                    activity?.Touch();
                    if (awaitingFirstByte != null && read > 0)
                    {
                        awaitingFirstByte.OnFirstResponseByte();
                        awaitingFirstByte = null;
                    }

                    bool held = false;
                    if (forwarding != null)
                    {
                        PendingResponse.ForwardStep step = forwarding.Forward(buffer, read);
                        while (step.State == PendingResponse.ForwardState.Moving)
                        {
                            // The replay to the next server goes first; this chunk follows it.
                            if (await forwarding.WaitForNextServerAsync(null).ConfigureAwait(false) == null)
                            {
                                return PumpOutcome.DestinationFailed;
                            }
                            step = forwarding.Forward(buffer, read);
                        }
                        if (step.State == PendingResponse.ForwardState.Ended)
                        {
                            return PumpOutcome.DestinationFailed;
                        }
                        destination = step.Server!;
                        counter = step.Counter;
                        held = step.State == PendingResponse.ForwardState.Held;
                        if (!held)
                        {
                            forwarding = null;
                        }
                    }

                    if (read == 0)
                    {
                        // An early FIN from the server is the caller's to judge: the connection may move.
                        if (awaitingFirstByte == null)
                        {
                            Task? closing = shaper?.TryShutdownShapedAsync(destination);
                            if (closing == null)
                            {
                                destination.TryShutdownSend();
                            }
                            else
                            {
                                try
                                {
                                    await closing.ConfigureAwait(false);
                                }
                                catch (Exception e) when (e is SocketException || e is ObjectDisposedException || e is OperationCanceledException)
                                {
                                    return PumpOutcome.DestinationFailed;
                                }
                            }
                        }
                        return PumpOutcome.Finished;
                    }

                    // Inline, not a helper: an async helper would allocate whenever a send completes late.
                    bool sent = true;
                    destinationSends?.BeginSend(destination);
                    try
                    {
                        Task? shaped = shaper?.TrySendShapedAsync(destination, args, buffer, read);
                        if (shaped != null)
                        {
                            await shaped.ConfigureAwait(false);
                            if (shaper!.Ended)
                            {
                                // The shaper sent this direction's FIN early (a data limit): read no further.
                                destinationSends?.EndSend(destination, failed: false);
                                counter?.Add(read);
                                secondCounter?.Add(read);
                                return PumpOutcome.Finished;
                            }
                        }
                        else
                        {
                            int offset = 0;
                            while (offset < read)
                            {
                                int written = await destination.SendAsync(args, buffer, offset, read - offset);
                                if (written <= 0)
                                {
                                    sent = false;
                                    break;
                                }
                                offset += written;
                            }
                        }
                    }
                    catch (Exception e) when (e is SocketException || e is ObjectDisposedException || e is OperationCanceledException)
                    {
                        sent = false;
                    }
                    destinationSends?.EndSend(destination, failed: !sent);
                    if (!sent)
                    {
                        if (!held)
                        {
                            return PumpOutcome.DestinationFailed;
                        }
                        // The server failed before answering and a copy of this chunk is held: the
                        // connection moves to another server, and the replay carries the chunk there.
                        forwarding!.OnForwardFailed(destination);
                        Socket? next = await forwarding.WaitForNextServerAsync(destination).ConfigureAwait(false);
                        if (next == null)
                        {
                            return PumpOutcome.DestinationFailed;
                        }
                        destination = next;
                        counter = null; // the replay counted the chunk for the next server
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
