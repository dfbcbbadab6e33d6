using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Net;

namespace TcpLb.Engine.Probing
{
    /// <summary>
    /// A client that opens connections to a target, sends a message, half-closes and reads the
    /// reply to its end: one <see cref="TcpProbeResult"/> per connection. Failures are results
    /// (Refused, Timeout, Reset), not exceptions.
    /// </summary>
    public static class TcpProbe
    {
        private static readonly Regex BackendPort = new Regex(@"running on port (\d{1,5})", RegexOptions.CultureInvariant);

        /// <summary>
        /// Runs <see cref="TcpProbeOptions.Count"/> probes, <see cref="TcpProbeOptions.Concurrency"/>
        /// at a time, calling <paramref name="onResult"/> as each completes (from any thread, one
        /// call at a time per worker). Throws <see cref="ArgumentException"/> for bad options or
        /// an unresolvable host, <see cref="OperationCanceledException"/> when cancelled.
        /// </summary>
        public static async Task RunAsync(TcpProbeOptions options, Action<TcpProbeResult> onResult, CancellationToken cancellationToken = default)
        {
            if (options == null)
            {
                throw new ArgumentNullException(nameof(options));
            }
            if (onResult == null)
            {
                throw new ArgumentNullException(nameof(onResult));
            }
            IPAddress[] addresses = ResolveTarget(options);
            byte[] message = Encoding.UTF8.GetBytes(options.Message ?? "");
            string target = Endpoints.Format(Endpoints.HostWithoutPort(options.ComputerName, "-ComputerName", "-Port"), options.Port);

            int next = 0;
            var workers = new Task[Math.Min(options.Concurrency, options.Count)];
            for (int i = 0; i < workers.Length; i++)
            {
                workers[i] = Task.Run(async () =>
                {
                    int sequence;
                    while ((sequence = Interlocked.Increment(ref next)) <= options.Count)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        TcpProbeResult result = await ProbeOnceAsync(sequence, target, addresses, options, message, cancellationToken).ConfigureAwait(false);
                        cancellationToken.ThrowIfCancellationRequested();
                        onResult(result);
                    }
                }, cancellationToken);
            }
            await Task.WhenAll(workers).ConfigureAwait(false);
        }

        /// <summary>
        /// Checks the options and resolves the target's addresses: what <see cref="RunAsync"/>
        /// does first, for a caller that must fail before it starts anything (a background run).
        /// Throws <see cref="ArgumentException"/> naming the bad value.
        /// </summary>
        public static IPAddress[] ResolveTarget(TcpProbeOptions options)
        {
            if (options == null)
            {
                throw new ArgumentNullException(nameof(options));
            }
            options.Validate();
            return Endpoints.ResolveHost(Endpoints.HostWithoutPort(options.ComputerName, "-ComputerName", "-Port"));
        }

        /// <summary>One connection to one of <paramref name="addresses"/> (tried in order until one accepts).</summary>
        public static async Task<TcpProbeResult> ProbeOnceAsync(int sequence, string target, IPAddress[] addresses, TcpProbeOptions options, byte[] message, CancellationToken cancellationToken)
        {
            var result = new TcpProbeResult { Sequence = sequence, Target = target, Timestamp = DateTimeOffset.Now };
            Stopwatch clock = Stopwatch.StartNew();
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                deadline.CancelAfter(options.Timeout);
                Socket? socket = null;
                string stage = "connecting";
                try
                {
                    socket = await ConnectAsync(addresses, options.Port, deadline.Token, result).ConfigureAwait(false);
                    if (socket == null)
                    {
                        return Finish(result, clock);
                    }
                    using (socket)
                    using (deadline.Token.Register(s => ((Socket)s!).Dispose(), socket))
                    {
                        stage = "sending";
                        int offset = 0;
                        while (offset < message.Length)
                        {
                            offset += await socket.SendAsync(new ArraySegment<byte>(message, offset, message.Length - offset), SocketFlags.None).ConfigureAwait(false);
                        }
                        result.BytesSent = offset;
                        socket.Shutdown(SocketShutdown.Send);

                        stage = "reading the reply";
                        var kept = new MemoryStream();
                        var buffer = new byte[16 * 1024];
                        long total = 0;
                        int read;
                        while ((read = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), SocketFlags.None).ConfigureAwait(false)) > 0)
                        {
                            total += read;
                            int keep = (int)Math.Min(read, Math.Max(0, options.MaxResponseBytes - kept.Length));
                            kept.Write(buffer, 0, keep);
                        }
                        result.BytesReceived = total;
                        result.Response = Encoding.UTF8.GetString(kept.GetBuffer(), 0, (int)kept.Length).TrimEnd('\r', '\n');
                        Match match = BackendPort.Match(result.Response);
                        if (match.Success)
                        {
                            result.Backend = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                        }
                        result.Status = TcpProbeStatus.Success;
                    }
                }
                catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    Classify(result, e, deadline.IsCancellationRequested, stage, options.Timeout);
                }
                return Finish(result, clock);
            }
        }

        private static async Task<Socket?> ConnectAsync(IPAddress[] addresses, int port, CancellationToken deadline, TcpProbeResult result)
        {
            foreach (IPAddress address in addresses)
            {
                var endPoint = new IPEndPoint(address, port);
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    using (deadline.Register(s => ((Socket)s!).Dispose(), socket))
                    {
                        await socket.ConnectAsync(endPoint).ConfigureAwait(false);
                    }
                    result.RemoteEndPoint = Endpoints.Format(endPoint);
                    return socket;
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused && !deadline.IsCancellationRequested)
                {
                    socket.Dispose();
                    result.Status = TcpProbeStatus.Refused;
                    result.Error = $"Connection refused by {Endpoints.Format(endPoint)}: nothing is listening there.";
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            }
            return null;
        }

        private static void Classify(TcpProbeResult result, Exception e, bool timedOut, string stage, TimeSpan timeout)
        {
            SocketError error = (e as SocketException)?.SocketErrorCode ?? SocketError.OperationAborted;
            if (timedOut || error == SocketError.TimedOut)
            {
                result.Status = TcpProbeStatus.Timeout;
                result.Error = $"Timed out after {timeout.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms while {stage}.";
            }
            else if (error == SocketError.ConnectionRefused)
            {
                result.Status = TcpProbeStatus.Refused;
                result.Error = $"Connection refused while {stage}: nothing is listening there.";
            }
            else if (SocketOperations.IsReset(error))
            {
                result.Status = TcpProbeStatus.Reset;
                result.Error = $"The connection was reset while {stage}.";
            }
            else
            {
                result.Status = TcpProbeStatus.Error;
                result.Error = $"{error} while {stage}: {e.Message}";
            }
        }

        private static TcpProbeResult Finish(TcpProbeResult result, Stopwatch clock)
        {
            result.Latency = clock.Elapsed;
            return result;
        }
    }
}
