using System;
using System.Buffers;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace TcpLb.Engine.Net
{
    /// <summary>
    /// Reads the PROXY protocol header at the start of an accepted connection, and not one byte
    /// more: it peeks at what has arrived, parses it, and takes off the socket only bytes that
    /// belong to the header, so the client's data that follows in the same segment stays for the
    /// proxy. A client that sends nothing, or too little, is cut off after the timeout.
    /// </summary>
    internal static class ProxyHeaderReader
    {
        /// <summary>
        /// The header, or an <see cref="ProxyParseStatus.Invalid"/> result (malformed, closed
        /// early, timed out): the caller resets the connection then.
        /// </summary>
        public static async Task<ProxyParseResult> ReadAsync(Socket socket, TimeSpan timeout, CancellationToken stopping)
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(ProxyHeaderParser.MaxV2Length);
            SocketAwaitableEventArgs args = SocketEventArgsPool.Rent();
            var timedOut = new StrongBox();
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping))
            {
                deadline.CancelAfter(timeout);
                using (deadline.Token.Register(OnDeadline, Tuple.Create(socket, timedOut)))
                {
                    try
                    {
                        int have = 0;
                        while (true)
                        {
                            args.SocketFlags = SocketFlags.Peek;
                            int peeked = await socket.ReceiveAsync(args, buffer, have, ProxyHeaderParser.MaxV2Length - have);
                            args.SocketFlags = SocketFlags.None;
                            if (peeked <= 0)
                            {
                                return Fail(timedOut, "the connection closed before the PROXY header ended");
                            }
                            ProxyParseResult result = ProxyHeaderParser.Parse(buffer, 0, have + peeked);
                            if (result.Status == ProxyParseStatus.Invalid)
                            {
                                return result;
                            }
                            // Incomplete: every byte so far is the header's. Complete: take exactly the rest of it.
                            int take = result.Status == ProxyParseStatus.Complete ? result.Length - have : peeked;
                            await ReceiveExactlyAsync(socket, args, buffer, have, take);
                            have += take;
                            if (result.Status == ProxyParseStatus.Complete)
                            {
                                return result;
                            }
                        }
                    }
                    catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
                    {
                        return Fail(timedOut, "the connection failed while its PROXY header was read (" + e.Message + ")");
                    }
                    finally
                    {
                        args.SocketFlags = SocketFlags.None;
                        SocketEventArgsPool.Return(args);
                        ArrayPool<byte>.Shared.Return(buffer);
                    }
                }
            }
        }

        private static async Task ReceiveExactlyAsync(Socket socket, SocketAwaitableEventArgs args, byte[] buffer, int offset, int count)
        {
            while (count > 0)
            {
                int read = await socket.ReceiveAsync(args, buffer, offset, count);
                if (read <= 0)
                {
                    throw new SocketException((int)SocketError.ConnectionReset);
                }
                offset += read;
                count -= read;
            }
        }

        private static ProxyParseResult Fail(StrongBox timedOut, string problem)
            => ProxyParseResult.Bad(Volatile.Read(ref timedOut.Value) ? "no complete PROXY header within the header timeout" : problem);

        private static void OnDeadline(object? state)
        {
            var (socket, timedOut) = (Tuple<Socket, StrongBox>)state!;
            Volatile.Write(ref timedOut.Value, true);
            socket.Abort();
        }

        private sealed class StrongBox
        {
            public bool Value;
        }
    }
}
