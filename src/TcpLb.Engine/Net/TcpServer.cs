using System;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace TcpLb.Engine.Net
{
    /// <summary>
    /// A bound listener with a few accept loops. Subclasses handle each accepted socket
    /// asynchronously; the server tracks how many are active so that a stop can wait for them.
    /// Accepting can be paused and resumed: the port stays bound, connects are refused meanwhile.
    /// </summary>
    public abstract class TcpServer : IDisposable
    {
        private const int Backlog = 4096;
        private readonly IPEndPoint _requested;
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();
        private readonly TaskCompletionSource<bool> _drained = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<bool> _completion = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private static readonly bool IsLinux = RuntimeInformation.IsOSPlatform(OSPlatform.Linux);
        private static readonly bool IsWindows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
        private readonly object _listenGate = new object();
        private Socket? _listener;
        private IOwnListener? _own; // set when the subclass listens itself (CreateOwnListener)
        private int _active;
        private int _state; // 0 new, 1 running, 2 stopping
        private bool _acceptPaused; // under _listenGate
        private bool _listening; // under _listenGate
        private int _acceptGeneration; // accept loops of an older generation end
        private int _acceptExhausted; // 1 while accepting fails for lack of descriptors
        private static readonly TimeSpan AcceptBackOff = TimeSpan.FromMilliseconds(50);

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

        /// <summary>True while accepting is paused (<see cref="PauseAccepting"/>): the port is bound, connects are refused.</summary>
        public bool IsAcceptingPaused
        {
            get
            {
                lock (_listenGate)
                {
                    return _acceptPaused;
                }
            }
        }

        /// <summary>
        /// Binds and starts accepting. Throws <see cref="ListenerBindException"/> when the port cannot be
        /// bound, and <see cref="EnvironmentValueException"/> (before binding) when an engine environment
        /// variable such as TCPLB_TRANSPORT holds a value it does not accept.
        /// </summary>
        public void Start()
        {
            if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
            {
                throw new InvalidOperationException("The server has already been started.");
            }
            IOwnListener? own;
            try
            {
                own = CreateOwnListener(_requested);
            }
            catch
            {
                _state = 0;
                throw;
            }
            if (own != null)
            {
                StartOwn(own);
                return;
            }
            Socket listener = NewSocket();
            try
            {
                Bind(listener);
            }
            catch (SocketException e)
            {
                listener.Dispose();
                _state = 0;
                throw new ListenerBindException(_requested, e.SocketErrorCode, e);
            }
            try
            {
                OnBound((IPEndPoint)listener.LocalEndPoint!);
            }
            catch
            {
                // Refused before listening: nothing is left bound or started.
                listener.Dispose();
                _state = 0;
                throw;
            }
            lock (_listenGate)
            {
                try
                {
                    if (_acceptPaused)
                    {
                        // Paused before the start: bound, not listening.
                        HoldPort(listener);
                    }
                    else
                    {
                        listener.Listen(Backlog);
                        _listening = true;
                    }
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
                if (_listening)
                {
                    StartAcceptLoops(listener);
                }
            }
        }

        private void StartOwn(IOwnListener own)
        {
            try
            {
                OnBound(own.LocalEndPoint);
            }
            catch
            {
                own.Dispose();
                _state = 0;
                throw;
            }
            lock (_listenGate)
            {
                _own = own;
                LocalEndPoint = own.LocalEndPoint;
                OnStarted();
                own.Start();
                if (_acceptPaused)
                {
                    own.StopListening();
                }
                else
                {
                    _listening = true;
                }
            }
        }

        /// <summary>
        /// Stops listening but keeps the port bound, so new connects are refused (nothing else can
        /// take the port meanwhile); connections already accepted go on. Connections that were
        /// waiting in the listen backlog are reset. Does nothing if already paused or stopped;
        /// before <see cref="Start"/>, the server binds without listening.
        /// </summary>
        public void PauseAccepting()
        {
            lock (_listenGate)
            {
                if (_acceptPaused)
                {
                    return;
                }
                _acceptPaused = true;
                if (Volatile.Read(ref _state) != 1 || (_listener == null && _own == null) || !_listening)
                {
                    return;
                }
                if (_own != null)
                {
                    _listening = false;
                    _own.StopListening();
                    return;
                }
                Interlocked.Increment(ref _acceptGeneration);
                _listening = false;
                Socket listener = _listener!;
                _listener = null;
                _listener = StopListening(listener);
            }
        }

        /// <summary>
        /// Listens again on the same port after <see cref="PauseAccepting"/>. Does nothing if not
        /// paused or stopped. Throws <see cref="ListenerBindException"/> if listening fails (then
        /// it stays paused).
        /// </summary>
        public void ResumeAccepting()
        {
            lock (_listenGate)
            {
                if (!_acceptPaused)
                {
                    return;
                }
                if (Volatile.Read(ref _state) != 1)
                {
                    _acceptPaused = false;
                    return;
                }
                if (_own != null)
                {
                    _own.StartListening();
                    _acceptPaused = false;
                    _listening = true;
                    return;
                }
                try
                {
                    // No socket only if pausing failed to hold the port: bind it again.
                    if (_listener == null)
                    {
                        Socket fresh = NewSocket();
                        try
                        {
                            fresh.Bind(LocalEndPoint);
                        }
                        catch (SocketException)
                        {
                            fresh.Dispose();
                            throw;
                        }
                        _listener = fresh;
                    }
                    else if (IsLinux)
                    {
                        // HoldPort cleared SO_REUSEADDR. Without it, listen() conflicts with every
                        // other socket on the port: connections accepted before the pause, and
                        // their TIME_WAIT remains, so resuming would fail with "address in use".
                        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                    }
                    _listener.Listen(Backlog);
                }
                catch (SocketException e)
                {
                    throw new ListenerBindException(LocalEndPoint, e.SocketErrorCode, e);
                }
                _acceptPaused = false;
                _listening = true;
                StartAcceptLoops(_listener);
            }
        }

        /// <summary>
        /// Stops accepting at once, then gives in-flight connections <paramref name="grace"/> to
        /// finish before aborting them. Frees the port before it returns.
        /// </summary>
        public Task StopAsync(TimeSpan grace) => StopAsync(grace, CancellationToken.None);

        /// <summary>
        /// As <see cref="StopAsync(TimeSpan)"/>; cancelling <paramref name="endGrace"/> ends the
        /// grace early (the remaining connections are aborted at once). The stop completes either way.
        /// </summary>
        public async Task StopAsync(TimeSpan grace, CancellationToken endGrace)
        {
            if (Interlocked.Exchange(ref _state, 2) == 2)
            {
                await _completion.Task.ConfigureAwait(false);
                return;
            }
            lock (_listenGate)
            {
                _listener?.Dispose();
                if (_own != null && _listening)
                {
                    _listening = false;
                    _own.StopListening();
                }
            }
            if (Volatile.Read(ref _active) == 0)
            {
                _drained.TrySetResult(true);
            }
            if (grace > TimeSpan.Zero && !_drained.Task.IsCompleted)
            {
                await Task.WhenAny(_drained.Task, Task.Delay(grace, endGrace)).ConfigureAwait(false);
            }
            _stopping.Cancel();
            // Its loops stopped: every connection reset and closed, the port free.
            _own?.Dispose();
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

        /// <summary>
        /// A listener of the subclass's own that accepts and handles connections (bound here; a
        /// <see cref="ListenerBindException"/> when it cannot be), or null for this class's accept
        /// loops and <see cref="HandleConnectionAsync"/>. Its connections are counted with
        /// <see cref="OnOwnConnectionOpened"/> and <see cref="OnOwnConnectionClosed"/>.
        /// </summary>
        private protected virtual IOwnListener? CreateOwnListener(IPEndPoint requested) => null;

        /// <summary>A connection of the own listener opened: a stop waits for it within its grace.</summary>
        private protected void OnOwnConnectionOpened() => Interlocked.Increment(ref _active);

        private protected void OnOwnConnectionClosed()
        {
            if (Interlocked.Decrement(ref _active) == 0 && Volatile.Read(ref _state) == 2)
            {
                _drained.TrySetResult(true);
            }
        }

        /// <summary>Handles one accepted connection; must not throw for ordinary network failures.</summary>
        protected abstract Task HandleConnectionAsync(Socket socket);

        /// <summary>
        /// Called once the listener is bound (the real port known, even for port 0) and before it
        /// listens; an exception here stops <see cref="Start"/> with nothing left bound.
        /// </summary>
        protected virtual void OnBound(IPEndPoint localEndPoint)
        {
        }

        protected virtual void OnStarted()
        {
        }

        /// <summary>
        /// Accepting fails for lack of file descriptors or memory (EMFILE, ENFILE, ENOBUFS):
        /// called once when such an episode starts, with the error. The accept loops back off
        /// meanwhile; pending clients wait in the listen backlog.
        /// </summary>
        protected virtual void OnAcceptExhausted(SocketError error)
        {
        }

        /// <summary>Accepting works again after <see cref="OnAcceptExhausted"/>; called once per episode.</summary>
        protected virtual void OnAcceptRecovered()
        {
        }

        protected virtual void OnStopped()
        {
        }

        private Socket NewSocket()
        {
            var socket = new Socket(_requested.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            if (_requested.AddressFamily == AddressFamily.InterNetworkV6 && _requested.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }
            return socket;
        }

        private void Bind(Socket listener)
        {
            if (_requested.Port == 0 && IsLinux)
            {
                // Linux releases a port the system picked when its socket stops listening
                // (PauseAccepting), but keeps a port bound by number. So pick the port with a
                // reservation socket and bind the listener to it by number while the reservation
                // still holds it (both have SO_REUSEADDR, which .NET sets on bind, and neither
                // listens, so that is allowed): the port is never free in between.
                try
                {
                    using (Socket reservation = NewSocket())
                    {
                        reservation.Bind(_requested);
                        listener.Bind(reservation.LocalEndPoint!);
                    }
                    return;
                }
                catch (SocketException)
                {
                    // Not allowed here after all: bind as usual (the listener is still unbound).
                }
            }
            listener.Bind(_requested);
        }

        /// <summary>Keeps a bound, non-listening socket's port from being bound by anyone else.</summary>
        private static void HoldPort(Socket socket)
        {
            if (IsLinux)
            {
                // .NET sets SO_REUSEADDR on bind; without it no other socket can bind or listen
                // on the port while this one does not listen.
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, false);
            }
        }

        /// <summary>A bound, non-listening socket on the listener's port, in place of the listener.</summary>
        private Socket StopListening(Socket listener)
        {
            if (IsLinux)
            {
                // Shutting down a listening socket's receive side puts it back to bound and
                // closed: connects are refused, pending accepts fail, and Listen works again.
                try
                {
                    listener.Shutdown(SocketShutdown.Receive);
                    HoldPort(listener);
                    return listener;
                }
                catch (SocketException)
                {
                    // Fall back to a new socket, as elsewhere.
                }
            }

            // Elsewhere a socket cannot stop listening: put a new, bound socket in its place.
            IPEndPoint endPoint = LocalEndPoint;
            Socket placeholder = NewSocket();
            if (IsWindows)
            {
                // Windows lets a socket with SO_REUSEADDR bind a port that a listener (without
                // SO_EXCLUSIVEADDRUSE) holds: bind first, then close the listener, so the port
                // is never free in between.
                try
                {
                    placeholder.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                    placeholder.Bind(endPoint);
                    listener.Dispose();
                    return placeholder;
                }
                catch (SocketException)
                {
                    placeholder.Dispose();
                    placeholder = NewSocket();
                }
            }

            // Close the listener and bind the port again at once (it is free for that moment).
            listener.Dispose();
            try
            {
                placeholder.Bind(endPoint);
                HoldPort(placeholder);
            }
            catch (SocketException e)
            {
                // The port is not held now; ResumeAccepting binds it again.
                placeholder.Dispose();
                throw new ListenerBindException(endPoint, e.SocketErrorCode, e);
            }
            return placeholder;
        }

        /// <summary>Called under the listen gate once the listener listens.</summary>
        private void StartAcceptLoops(Socket listener)
        {
            int generation = Volatile.Read(ref _acceptGeneration);

            // Connection handlers must not inherit the caller's execution context (a PowerShell
            // runspace's, say): it would be captured on every socket operation.
            using (ExecutionContext.IsFlowSuppressed() ? default(AsyncFlowControl?) : ExecutionContext.SuppressFlow())
            {
                int loops = Math.Max(1, Math.Min(Environment.ProcessorCount, 4));
                var acceptLoops = new Task[loops];
                for (int i = 0; i < loops; i++)
                {
                    acceptLoops[i] = Task.Run(() => AcceptLoopAsync(listener, generation));
                }
                Task.WhenAll(acceptLoops).ContinueWith(OnAcceptLoopsEnded, TaskScheduler.Default);
            }
        }

        /// <summary>Running, and the accept loops of <paramref name="generation"/> are current (not paused since).</summary>
        private bool Accepting(int generation)
            => Volatile.Read(ref _state) == 1 && Volatile.Read(ref _acceptGeneration) == generation;

        private async Task AcceptLoopAsync(Socket listener, int generation)
        {
            SocketAwaitableEventArgs args = SocketEventArgsPool.Rent();
            try
            {
                while (Accepting(generation))
                {
                    Socket accepted;
                    try
                    {
                        await listener.AcceptNextAsync(args);
                        accepted = args.AcceptSocket!;
                    }
                    catch (SocketException e) when (e.SocketErrorCode == SocketError.OperationAborted || e.SocketErrorCode == SocketError.Interrupted || !Accepting(generation))
                    {
                        return;
                    }
                    catch (SocketException e) when (IsResourceExhaustion(e.SocketErrorCode))
                    {
                        // The connection stays in the backlog; retrying at once would spin.
                        await BackOffAcceptAsync(e.SocketErrorCode).ConfigureAwait(false);
                        continue;
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
                    if (Volatile.Read(ref _acceptExhausted) != 0 && Interlocked.Exchange(ref _acceptExhausted, 0) != 0)
                    {
                        OnAcceptRecovered();
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

        private static bool IsResourceExhaustion(SocketError error)
            => error == SocketError.TooManyOpenSockets || error == SocketError.NoBufferSpaceAvailable;

        /// <summary>Waits a little before the next accept (no spinning while descriptors run out) and reports the episode once.</summary>
        private async Task BackOffAcceptAsync(SocketError error)
        {
            if (Interlocked.Exchange(ref _acceptExhausted, 1) == 0)
            {
                OnAcceptExhausted(error);
            }
            try
            {
                await Task.Delay(AcceptBackOff, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping: the loop sees it and ends.
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
