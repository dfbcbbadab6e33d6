using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Tls;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// Checks every backend of a pool on an interval, off the data path: a TCP connect within
    /// the timeout, and optionally a sent string and an expected reply prefix. Results feed each
    /// backend's rise/fall counters. With backend TLS, a check also completes the TLS handshake
    /// (so a backend whose certificate fails the check is Down) and sends and reads inside TLS.
    /// </summary>
    internal sealed class HealthProber
    {
        private readonly BackendPool _pool;
        private readonly HealthCheckOptions _options;
        private readonly byte[]? _send;
        private readonly byte[]? _expect;
        private readonly BackendTlsOptions? _tls;

        public HealthProber(BackendPool pool, HealthCheckOptions options, BackendTlsOptions? tls = null)
        {
            _pool = pool;
            _options = options;
            _tls = tls;
            _send = string.IsNullOrEmpty(options.Send) ? null : Encoding.UTF8.GetBytes(options.Send);
            _expect = string.IsNullOrEmpty(options.ExpectPrefix) ? null : Encoding.UTF8.GetBytes(options.ExpectPrefix);
        }

        /// <summary>Runs until <paramref name="stopping"/> is cancelled.</summary>
        public async Task RunAsync(CancellationToken stopping)
        {
            try
            {
                while (true)
                {
                    await Task.Delay(_options.Interval, stopping).ConfigureAwait(false);
                    Backend[] backends = _pool.Snapshot;
                    var checks = new Task[backends.Length];
                    for (int i = 0; i < backends.Length; i++)
                    {
                        checks[i] = CheckAsync(backends[i], stopping);
                    }
                    await Task.WhenAll(checks).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
            }
        }

        /// <summary>One check of one backend; records the outcome on it.</summary>
        public async Task CheckAsync(Backend backend, CancellationToken stopping)
        {
            string? error = await ProbeAsync(backend, stopping).ConfigureAwait(false);
            if (!stopping.IsCancellationRequested)
            {
                backend.OnCheck(error == null, error, _options.Rise, _options.Fall);
            }
        }

        /// <summary>Null when the backend passed, else what went wrong.</summary>
        private async Task<string?> ProbeAsync(Backend backend, CancellationToken stopping)
        {
            IPEndPoint endPoint = backend.EndPoints[backend.PreferredIndex % backend.EndPoints.Length];
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping))
            using (var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp))
            using (deadline.Token.Register(s => ((Socket)s!).Dispose(), socket))
            {
                deadline.CancelAfter(_options.Timeout);
                string stage = "connecting";
                Stream? stream = null;
                try
                {
                    await socket.ConnectAsync(endPoint).ConfigureAwait(false);
                    if (_tls != null)
                    {
                        stage = "the TLS handshake";
                        try
                        {
                            stream = (await TlsHandshake.ConnectAsync(socket, _tls.ServerName ?? backend.Address.Host, _tls, deadline.Token).ConfigureAwait(false)).Stream;
                        }
                        catch (TlsHandshakeException e)
                        {
                            return deadline.IsCancellationRequested ? $"no answer within {_options.Timeout.TotalMilliseconds:0} ms during {stage}" : e.Message;
                        }
                    }
                    if (_send != null)
                    {
                        stage = "sending the check string";
                        if (stream != null)
                        {
                            await stream.WriteAsync(_send, 0, _send.Length).ConfigureAwait(false);
                        }
                        else
                        {
                            await socket.SendAsync(new ArraySegment<byte>(_send), SocketFlags.None).ConfigureAwait(false);
                        }
                    }
                    if (_expect != null)
                    {
                        stage = "reading the expected reply";
                        var reply = new byte[_expect.Length];
                        int got = 0;
                        while (got < reply.Length)
                        {
                            int read = stream != null
                                ? await stream.ReadAsync(reply, got, reply.Length - got).ConfigureAwait(false)
                                : await socket.ReceiveAsync(new ArraySegment<byte>(reply, got, reply.Length - got), SocketFlags.None).ConfigureAwait(false);
                            if (read == 0)
                            {
                                return $"the reply ended after {got} byte(s), before the expected '{_options.ExpectPrefix}'";
                            }
                            got += read;
                            // Judge what has arrived so far: a wrong start fails now, not at the timeout.
                            if (!StartsEqual(reply, _expect, got))
                            {
                                return $"the reply '{Encoding.UTF8.GetString(reply, 0, got).TrimEnd()}' does not start with '{_options.ExpectPrefix}'";
                            }
                        }
                    }
                    return null;
                }
                catch (Exception e) when (e is SocketException || e is ObjectDisposedException || e is IOException)
                {
                    if (deadline.IsCancellationRequested)
                    {
                        return $"no answer within {_options.Timeout.TotalMilliseconds:0} ms while {stage}";
                    }
                    return $"{(e as SocketException)?.SocketErrorCode.ToString() ?? "closed"} while {stage} to {endPoint}";
                }
                finally
                {
                    stream?.Dispose();
                }
            }
        }

        private static bool StartsEqual(byte[] a, byte[] b, int count)
        {
            for (int i = 0; i < count; i++)
            {
                if (a[i] != b[i])
                {
                    return false;
                }
            }
            return true;
        }
    }
}
