using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Dashboard.Metrics;
using TcpLb.Dashboard.Status;
using TcpLb.Dashboard.Toxiproxy;

namespace TcpLb.Dashboard
{
    /// <summary>
    /// The process's web face on one HTTP listener: the live status page (/), its data
    /// (/api/status), Prometheus metrics (/metrics) and, when turned on, toxiproxy's HTTP API on
    /// toxiproxy's own paths. Reads the balancers through <see cref="IBalancerCatalog"/>; a bad
    /// request gets an HTTP error whose body says why, never an exception out of the server.
    /// </summary>
    public sealed class DashboardServer : IDisposable
    {
        /// <summary>The largest request body read (toxiproxy's JSON bodies are a few hundred bytes).</summary>
        internal const int MaxBodyBytes = 64 * 1024;

        private readonly IBalancerCatalog _catalog;
        private readonly DashboardOptions _options;
        private readonly StatusHistory _history;
        private readonly PageAssets _assets = new PageAssets();
        private readonly ToxiproxyApi? _toxiproxy;
        private readonly TaskCompletionSource<bool> _completion = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private HttpListener? _listener;
        private long _requests;
        private int _stopped;

        public DashboardServer(IBalancerCatalog catalog, DashboardOptions options)
        {
            _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
            _options = options ?? throw new ArgumentNullException(nameof(options));
            _options.Validate();
            _history = new StatusHistory(catalog, options.SampleInterval, options.HistoryLength);
            _toxiproxy = options.ToxiproxyApi ? new ToxiproxyApi(catalog, options.ListenAddress) : null;
        }

        /// <summary>The base address, such as http://127.0.0.1:41234/ (set by <see cref="Start"/>).</summary>
        public Uri? Uri { get; private set; }

        public IPEndPoint? LocalEndPoint { get; private set; }

        /// <summary>Requests answered so far.</summary>
        public long Requests => Interlocked.Read(ref _requests);

        public bool ToxiproxyApiEnabled => _toxiproxy != null;

        /// <summary>Completes when the server has stopped; faults when its listener failed.</summary>
        public Task Completion => _completion.Task;

        /// <summary>Binds the listener (a free port when Port is 0) and starts serving.</summary>
        public void Start()
        {
            if (_listener != null)
            {
                throw new InvalidOperationException("The dashboard is already started.");
            }
            // HttpListener takes no port 0: a free port is found by binding a socket to 0, and on the
            // rare race with another process for it the next one is tried.
            Exception? last = null;
            for (int attempt = 0; attempt < (_options.Port == 0 ? 8 : 1); attempt++)
            {
                int port = _options.Port == 0 ? FreePort(_options.ListenAddress) : _options.Port;
                var listener = new HttpListener { IgnoreWriteExceptions = true };
                listener.Prefixes.Add(Prefix(_options.ListenAddress, port));
                if (DashboardOptions.IsLoopback(_options.ListenAddress) && !IsWindows)
                {
                    // http://localhost:port/ works too (the listener matches the Host header to its prefixes).
                    listener.Prefixes.Add($"http://localhost:{port}/");
                }
                try
                {
                    listener.Start();
                }
                catch (HttpListenerException e)
                {
                    listener.Close();
                    last = e;
                    continue;
                }
                _listener = listener;
                LocalEndPoint = new IPEndPoint(_options.ListenAddress, port);
                Uri = new Uri($"http://{UriHost(_options.ListenAddress)}:{port}/");
                _history.Start();
                _ = AcceptLoopAsync(listener);
                return;
            }
            throw new InvalidOperationException($"The dashboard cannot listen on {Describe(_options.ListenAddress, _options.Port)}: {last!.Message}", last);
        }

        /// <summary>Stops listening (the port is free when it returns) and ends the sampler.</summary>
        public void Stop()
        {
            if (Interlocked.Exchange(ref _stopped, 1) == 1)
            {
                return;
            }
            _history.Dispose();
            try
            {
                _listener?.Close();
            }
            catch (ObjectDisposedException)
            {
            }
            _completion.TrySetResult(true);
        }

        public void Dispose() => Stop();

        private async Task AcceptLoopAsync(HttpListener listener)
        {
            while (Volatile.Read(ref _stopped) == 0)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is HttpListenerException || e is ObjectDisposedException || e is InvalidOperationException)
                {
                    if (Volatile.Read(ref _stopped) == 0)
                    {
                        _completion.TrySetException(e);
                    }
                    return;
                }
                _ = Task.Run(() => ServeAsync(context));
            }
        }

        private async Task ServeAsync(HttpListenerContext context)
        {
            Interlocked.Increment(ref _requests);
            HttpListenerRequest request = context.Request;
            string path = request.Url?.AbsolutePath ?? "/";
            bool toxiproxyPath = ToxiproxyApi.IsItsPath(path);
            Reply reply;
            string? allow = null;
            try
            {
                reply = await RouteAsync(request, path, toxiproxyPath).ConfigureAwait(false);
            }
            catch (HttpProblem problem)
            {
                allow = problem.Allow;
                reply = Problem(problem.Status, problem.Message, toxiproxyPath);
            }
            catch (Exception e)
            {
                reply = Problem(500, "The dashboard failed to answer: " + e.Message, toxiproxyPath);
            }
            try
            {
                HttpListenerResponse response = context.Response;
                response.StatusCode = reply.Status;
                response.ContentType = reply.ContentType;
                // Read-only views and an API for loopback callers: no CORS header of any kind, no sniffing, no caching, no framing by other sites.
                response.Headers["X-Content-Type-Options"] = "nosniff";
                response.Headers["Cache-Control"] = "no-store";
                response.Headers["X-Frame-Options"] = "DENY";
                response.Headers["Content-Security-Policy"] = "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; frame-ancestors 'none'";
                if (allow != null)
                {
                    response.Headers["Allow"] = allow;
                }
                if (reply.Body.Length > 0 && request.HttpMethod != "HEAD")
                {
                    response.ContentLength64 = reply.Body.Length;
                    await response.OutputStream.WriteAsync(reply.Body, 0, reply.Body.Length).ConfigureAwait(false);
                }
                response.Close();
            }
            catch (Exception e) when (e is HttpListenerException || e is IOException || e is ObjectDisposedException || e is InvalidOperationException)
            {
                // The client went away; nothing to answer.
            }
        }

        private async Task<Reply> RouteAsync(HttpListenerRequest request, string path, bool toxiproxyPath)
        {
            RefuseUnlisted(request);
            RefuseCrossOrigin(request);
            RefuseForeignHost(request);
            if (toxiproxyPath)
            {
                if (_toxiproxy == null)
                {
                    throw HttpProblem.NotFound($"{path} is toxiproxy's API, which is off. Start the dashboard with -ToxiproxyApi (loopback only) to turn it on.");
                }
                string body = await ReadBodyAsync(request).ConfigureAwait(false);
                return _toxiproxy.Handle(request.HttpMethod, path, body);
            }
            switch (path)
            {
                case "/metrics":
                    RequireGet(request, path);
                    return Reply.Ok(PrometheusExposition.ContentType, PrometheusExposition.Write(_catalog.List()));
                case "/api/status":
                    RequireGet(request, path);
                    return Reply.OkJson(StatusDocument.Write(_catalog.List(), _history, _toxiproxy != null));
                default:
                    RequireGet(request, path);
                    return _assets.Find(path) ?? throw HttpProblem.NotFound($"Nothing at {path}. The dashboard serves / (the status page), /metrics (Prometheus), /api/status (the page's data){(_toxiproxy != null ? " and toxiproxy's API (/version, /proxies, /populate, /reset)" : "")}.");
            }
        }

        private static void RequireGet(HttpListenerRequest request, string path)
        {
            if (request.HttpMethod != "GET" && request.HttpMethod != "HEAD")
            {
                throw HttpProblem.MethodNotAllowed(request.HttpMethod, path, "GET, HEAD");
            }
        }

        /// <summary>The access rules (-AllowFrom, -DenyFrom) apply to every request, as to a balancer's clients.</summary>
        private void RefuseUnlisted(HttpListenerRequest request)
        {
            IPAddress? source = request.RemoteEndPoint?.Address;
            if (!_options.Access.IsEmpty && (source == null || !_options.Access.Admits(source)))
            {
                throw new HttpProblem(403, $"{source} may not use this dashboard: its access rules ({_options.Access}) do not admit it.");
            }
        }

        /// <summary>
        /// A browser sends Origin on a cross-site request: a page elsewhere must not drive the API
        /// on loopback (or read anything), so such requests are refused whatever their method.
        /// </summary>
        private void RefuseCrossOrigin(HttpListenerRequest request)
        {
            string? origin = request.Headers["Origin"];
            if (origin != null && !string.Equals(origin.TrimEnd('/'), Uri!.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase))
            {
                throw new HttpProblem(403, $"Cross-origin requests are refused (Origin: {origin}); the dashboard answers its own page and non-browser clients only.");
            }
        }

        /// <summary>
        /// On loopback, a request must name a loopback host: a page whose own name was made to resolve
        /// to 127.0.0.1 (DNS rebinding) sends its own name in Host, and gets nothing.
        /// </summary>
        private void RefuseForeignHost(HttpListenerRequest request)
        {
            if (!DashboardOptions.IsLoopback(_options.ListenAddress))
            {
                return;
            }
            string host = request.Url?.Host ?? "";
            bool loopbackName = string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
                || (IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? address) && DashboardOptions.IsLoopback(address));
            if (!loopbackName)
            {
                throw new HttpProblem(403, $"Host '{host}' is not a loopback name; the dashboard listens on loopback and answers requests for localhost, 127.0.0.1 or [::1] only.");
            }
        }

        private static async Task<string> ReadBodyAsync(HttpListenerRequest request)
        {
            if (!request.HasEntityBody)
            {
                return "";
            }
            if (request.ContentLength64 > MaxBodyBytes)
            {
                throw new HttpProblem(413, $"The request body has {request.ContentLength64} bytes; at most {MaxBodyBytes} are accepted.");
            }
            var buffer = new MemoryStream();
            var chunk = new byte[8192];
            int read;
            while ((read = await request.InputStream.ReadAsync(chunk, 0, chunk.Length).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > MaxBodyBytes)
                {
                    throw new HttpProblem(413, $"The request body is longer than {MaxBodyBytes} bytes, the most accepted.");
                }
                buffer.Write(chunk, 0, read);
            }
            return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }

        private static Reply Problem(int status, string message, bool json)
            => json
                ? Reply.OkJson(ToxiproxyJson.Error(message, status), status)
                : new Reply(status, Reply.Text, Encoding.UTF8.GetBytes(message + "\n"));

        private static int FreePort(IPAddress address)
        {
            using (var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp))
            {
                socket.Bind(new IPEndPoint(address, 0));
                return ((IPEndPoint)socket.LocalEndPoint!).Port;
            }
        }

        /// <summary>
        /// The HttpListener prefix. On Windows (http.sys) a user who is not an administrator may
        /// register localhost only, so loopback is asked for by that name there; elsewhere (the
        /// managed listener) by its address.
        /// </summary>
        private static string Prefix(IPAddress address, int port)
        {
            string host = address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)
                ? "+"
                : DashboardOptions.IsLoopback(address) && IsWindows
                    ? "localhost"
                    : UriHost(address);
            return $"http://{host}:{port}/";
        }

        private static bool IsWindows => System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Windows);

        private static string UriHost(IPAddress address)
            => address.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + address + "]" : address.ToString();

        private static string Describe(IPAddress address, int port) => new IPEndPoint(address, port).ToString();
    }
}
