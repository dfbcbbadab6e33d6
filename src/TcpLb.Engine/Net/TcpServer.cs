using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace TcpLb.Engine.Net
{
    /// <summary>
    /// A bound listener with a few accept loops. Subclasses handle each accepted socket
    /// asynchronously; the server tracks how many are active so that a stop can wait for them.
    /// </summary>
    public abstract class TcpServer : IDisposable
    {
        private const int Backlog = 4096;
        private readonly IPEndPoint _requested;
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();
        private readonly TaskCompletionSource<bool> _drained = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<bool> _completion = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private Socket? _listener;
        private int _active;
        private int _state; // 0 new, 1 running, 2 stopping

        protected TcpServer(IPAddress address, int port)
        {
            if (port < 0 || port > 65535)
            {
                throw new ArgumentOutOfRangeException(nameof(port), port, $"Port {port} is out of range. Use 1 to 65535, or 0 to let the system pick a free port.");
            }
            _requested = new IPEndPoint(address ?? throw new ArgumentNullException(nameof(address)), port);
            LocalEndPoint = _requested;
        }

        /// <summary>The bound endpoint (with the real port once started).</summary>
        public IPEndPoint LocalEndPoint { get; private set; }

        public int Port => LocalEndPoint.Port;

        /// <summary>Connections being handled right now.</summary>
        public int ActiveConnections => Volatile.Read(ref _active);

        /// <summary>Completes when the server has stopped; faults if an accept loop failed unexpectedly.</summary>
        public Task Completion => _completion.Task;

        protected CancellationToken Stopping => _stopping.Token;

        /// <summary>Binds and starts accepting. Throws <see cref="ListenerBindException"/> when the port cannot be bound.</summary>
        public void Start()
        {
            if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
            {
                throw new InvalidOperationException("The server has already been started.");
            }
            var listener = new Socket(_requested.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                if (_requested.AddressFamily == AddressFamily.InterNetworkV6 && _requested.Address.Equals(IPAddress.IPv6Any))
                {
                    listener.DualMode = true;
                }
                listener.Bind(_requested);
                listener.Listen(Backlog);
            }
            catch (SocketException e)
            {
                listener.Dispose();
                _state = 0;
                throw new ListenerBindException(_requested, e.SocketErrorCode, e);
            }
            _listener = listener;
            LocalEndPoint = (IPEndPoint)listener.LocalEndPoint!;
            OnStarted();

            // Connection handlers must not inherit the caller's execution context (a PowerShell
            // runspace's, say): it would be captured on every socket operation.
            using (ExecutionContext.SuppressFlow())
            {
                int loops = Math.Max(1, Math.Min(Environment.ProcessorCount, 4));
                var acceptLoops = new Task[loops];
                for (int i = 0; i < loops; i++)
                {
                    acceptLoops[i] = Task.Run(() => AcceptLoopAsync(listener));
                }
                Task.WhenAll(acceptLoops).ContinueWith(OnAcceptLoopsEnded, TaskScheduler.Default);
            }
        }

        /// <summary>
        /// Stops accepting at once, then gives in-flight connections <paramref name="grace"/> to
        /// finish before aborting them. Frees the port before it returns.
        /// </summary>
        public async Task StopAsync(TimeSpan grace)
        {
            if (Interlocked.Exchange(ref _state, 2) == 2)
            {
                await _completion.Task.ConfigureAwait(false);
                return;
            }
            _listener?.Dispose();
            if (Volatile.Read(ref _active) == 0)
            {
                _drained.TrySetResult(true);
            }
            if (grace > TimeSpan.Zero && !_drained.Task.IsCompleted)
            {
                await Task.WhenAny(_drained.Task, Task.Delay(grace)).ConfigureAwait(false);
            }
            _stopping.Cancel();
            // Aborted handlers finish promptly; the bound keeps a stuck one from hanging the stop.
            await Task.WhenAny(_drained.Task, Task.Delay(TimeSpan.FromSeconds(1))).ConfigureAwait(false);
            OnStopped();
            _completion.TrySetResult(true);
        }

        public Task StopAsync() => StopAsync(TimeSpan.Zero);

        public void Dispose()
        {
            StopAsync().GetAwaiter().GetResult();
            _stopping.Dispose();
        }

        /// <summary>Handles one accepted connection; must not throw for ordinary network failures.</summary>
        protected abstract Task HandleConnectionAsync(Socket socket);

        protected virtual void OnStarted()
        {
        }

        protected virtual void OnStopped()
        {
        }

        private async Task AcceptLoopAsync(Socket listener)
        {
            SocketAwaitableEventArgs args = SocketEventArgsPool.Rent();
            try
            {
                while (Volatile.Read(ref _state) == 1)
                {
                    Socket accepted;
                    try
                    {
                        await listener.AcceptNextAsync(args);
                        accepted = args.AcceptSocket!;
                    }
                    catch (SocketException e) when (e.SocketErrorCode == SocketError.OperationAborted || e.SocketErrorCode == SocketError.Interrupted || Volatile.Read(ref _state) != 1)
                    {
                        return;
                    }
                    catch (SocketException)
                    {
                        // A connection that died in the backlog (reset before accept): skip it.
                        continue;
                    }
                    catch (ObjectDisposedException)
                    {
                        return;
                    }
                    Interlocked.Increment(ref _active);
                    _ = RunHandlerAsync(accepted);
                }
            }
            finally
            {
                SocketEventArgsPool.Return(args);
            }
        }

        private async Task RunHandlerAsync(Socket socket)
        {
            try
            {
                await HandleConnectionAsync(socket).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // A handler's failure ends its connection, never the server.
                socket.Abort();
            }
            finally
            {
                if (Interlocked.Decrement(ref _active) == 0 && Volatile.Read(ref _state) == 2)
                {
                    _drained.TrySetResult(true);
                }
            }
        }

        private void OnAcceptLoopsEnded(Task loops)
        {
            if (loops.IsFaulted && Volatile.Read(ref _state) == 1)
            {
                _completion.TrySetException(loops.Exception!.InnerExceptions);
                _ = StopAsync();
            }
        }
    }
}
