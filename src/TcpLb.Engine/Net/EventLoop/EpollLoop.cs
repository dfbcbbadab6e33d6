using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;
using static TcpLb.Engine.Net.EventLoop.LinuxNative;

namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>
    /// One engine-owned thread around one epoll instance. Descriptors are registered once,
    /// edge-triggered, for IN|OUT|RDHUP; each event's data is the slot of its <see cref="LoopSocket"/>
    /// with the slot's generation beside it, so an event for a descriptor closed (and perhaps
    /// reused) earlier in the same batch is recognised as stale and ignored. The owners' code runs
    /// inline on this thread, with no hop to the thread pool. Other threads hand work over with
    /// <see cref="Post"/>, which writes the eventfd only when the loop is blocked in epoll_wait.
    /// Deadlines live on one <see cref="TimerWheel"/>. Nothing thrown by an owner leaves the thread:
    /// it is traced and the owner aborted, and whatever descriptor the owner still has registered
    /// then (its Abort threw too) the loop resets. <see cref="Stop"/> aborts every owner, closes every
    /// descriptor and joins the thread. Its sends and receives may be batched (EpollLoop.Calls.cs).
    /// </summary>
    internal sealed unsafe partial class EpollLoop : IDisposable
    {
        private const int MaxEvents = 256;
        private const ulong WakeData = ulong.MaxValue;
        private const uint Interest = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;

        private static readonly double TicksPerMillisecond = Stopwatch.Frequency / 1000.0;

        private readonly ConcurrentQueue<ILoopWorkItem> _posted = new ConcurrentQueue<ILoopWorkItem>();
        private readonly ILoopTrace? _trace;
        private readonly Action<LoopTimer> _fireTimer;
        private readonly int _epoll;
        private readonly int _wake;
        private readonly byte* _events;
        private LoopSocket?[] _slots = new LoopSocket?[256];
        private uint[] _generations = new uint[256];
        private int[] _freeSlots = new int[256];
        private int _freeCount;
        private int _slotsUsed;
        private int _slotsNeverUsed;
        private int _waking;
        private int _closing;
        private List<ILoopWorkItem> _deferred = new List<ILoopWorkItem>();
        private List<ILoopWorkItem> _running = new List<ILoopWorkItem>();
        private Thread? _thread;
        private readonly bool _batchCalls;
        private int _sleeping;
        private volatile bool _stopRequested;
        private bool _disposed;

        /// <param name="batchCalls">Whether sends and receives are batched on an io_uring where the kernel allows one (null: <see cref="CallBatching.Default"/>).</param>
        public EpollLoop(string name, ILoopTrace? trace = null, int bufferSize = NativeBufferPool.DefaultBufferSize, int maxRetainedBuffers = NativeBufferPool.DefaultMaxRetained, bool? batchCalls = null)
        {
            _batchCalls = batchCalls ?? CallBatching.Default;
            if (!IsSupported)
            {
                throw new PlatformNotSupportedException("The event loop runs on 64-bit Linux (x86-64 or arm64) only; use the portable transport here.");
            }
            Name = name;
            _trace = trace;
            _fireTimer = FireTimer;
            Buffers = new NativeBufferPool(bufferSize, maxRetainedBuffers);
            Now = ReadClock();
            Timers = new TimerWheel(Now);
            _epoll = epoll_create1(EPOLL_CLOEXEC);
            if (_epoll < 0)
            {
                throw new SocketException((int)NativeSocket.ToSocketError(Errno));
            }
            _wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
            if (_wake < 0)
            {
                int errno = Errno;
                close(_epoll);
                throw new SocketException((int)NativeSocket.ToSocketError(errno));
            }
            byte* ev = stackalloc byte[16];
            EpollEvents.Write(ev, EPOLLIN | EPOLLET, WakeData);
            epoll_ctl(_epoll, EPOLL_CTL_ADD, _wake, ev);
            _events = (byte*)Marshal.AllocHGlobal(MaxEvents * EpollEvents.Size);
        }

        public string Name { get; }

        /// <summary>Milliseconds of a monotonic clock, read once per turn of the loop.</summary>
        public long Now { get; private set; }

        public TimerWheel Timers { get; }

        public NativeBufferPool Buffers { get; }

        /// <summary>Descriptors registered now (loop thread; a snapshot elsewhere).</summary>
        public int OpenSockets => Volatile.Read(ref _slotsUsed);

        /// <summary>Events ignored because their slot's generation had moved on (a descriptor closed before its event was seen).</summary>
        public long StaleEvents { get; private set; }

        /// <summary>Exceptions caught from owners, timers and work items.</summary>
        public long Faults => Interlocked.Read(ref _faults);

        private long _faults;

        /// <summary>Times the eventfd was written to wake the loop (a post while it was blocked).</summary>
        public long Wakeups => Interlocked.Read(ref _wakeups);

        private long _wakeups;

        public bool IsLoopThread => ReferenceEquals(Thread.CurrentThread, _thread);

        public bool IsRunning => _thread != null && _thread.IsAlive;

        /// <summary>Bytes its sockets have sent (a snapshot off the loop): what the packed layout's trials compare.</summary>
        public long BytesSent => Volatile.Read(ref _bytesSent);

        private long _bytesSent;

        internal void CountSent(long bytes) => _bytesSent += bytes;

        /// <summary>The loop thread's kernel id once it runs (0 before): where the scheduler's figures for it are read.</summary>
        public int ThreadId => Volatile.Read(ref _threadId);

        private int _threadId;

        public void Start()
        {
            if (_thread != null)
            {
                throw new InvalidOperationException($"Loop {Name} has already started.");
            }
            _thread = new Thread(Run) { IsBackground = true, Name = Name };
            _thread.Start();
        }

        /// <summary>Registers a descriptor (loop thread only). The loop owns it from here: it closes it at Stop.</summary>
        public LoopSocket Register(int fd, ILoopSocketHandler handler)
        {
            int slot = TakeSlot();
            var socket = new LoopSocket(this, fd, handler, slot, ((ulong)_generations[slot] << 32) | (uint)slot);
            byte* ev = stackalloc byte[16];
            EpollEvents.Write(ev, Interest, socket.EpollData);
            if (epoll_ctl(_epoll, EPOLL_CTL_ADD, fd, ev) != 0)
            {
                int errno = Errno;
                FreeSlot(slot);
                throw new SocketException((int)NativeSocket.ToSocketError(errno));
            }
            _slots[slot] = socket;
            _slotsUsed++;
            return socket;
        }

        /// <summary>
        /// The inverse of <see cref="Register"/> (loop thread only): takes the descriptor out of the
        /// epoll set and its slot, and returns it still open; the caller owns it now (to register it on
        /// another loop, which moves a connection). The socket reads as closed from here, and events
        /// already gathered for it carry the old generation, so they are ignored.
        /// </summary>
        public int Detach(LoopSocket socket)
        {
            int fd = socket.Fd;
            if (fd < 0 || !ReferenceEquals(socket.Loop, this))
            {
                throw new InvalidOperationException("Only an open socket of this loop is detached.");
            }
            SettleCalls(); // a queued send on it is made here, not after it has left
            byte* ev = stackalloc byte[16];
            if (epoll_ctl(_epoll, EPOLL_CTL_DEL, fd, ev) != 0)
            {
                throw new SocketException((int)NativeSocket.ToSocketError(Errno));
            }
            Unregister(socket);
            return fd;
        }

        /// <summary>Runs <paramref name="item"/> on the loop thread soon; from any thread. Wakes the loop only if it is blocked.</summary>
        public void Post(ILoopWorkItem item)
        {
            _posted.Enqueue(item);
            // The loop says it is about to block (1) only after looking at the queue; whoever swaps it back wakes it.
            if (Interlocked.CompareExchange(ref _sleeping, 0, 1) == 1)
            {
                Wake();
            }
        }

        /// <summary>Runs <paramref name="item"/> after the current batch of events (loop thread only): a fair turn for work that had to stop early.</summary>
        public void Defer(ILoopWorkItem item) => _deferred.Add(item);

        public void Schedule(LoopTimer timer, long due) => Timers.Schedule(timer, due);

        public void Cancel(LoopTimer timer) => Timers.Cancel(timer);

        /// <summary>Asks the loop to stop; from another thread, waits until it has closed everything.</summary>
        public void Stop()
        {
            _stopRequested = true;
            Thread? thread = _thread;
            if (thread == null)
            {
                Dispose();
                return;
            }
            if (Interlocked.CompareExchange(ref _sleeping, 0, 1) == 1)
            {
                Wake();
            }
            if (!IsLoopThread)
            {
                thread.Join();
            }
        }

        /// <summary>Stops the loop (see <see cref="Stop"/>); on the loop thread itself the loop releases everything as it ends.</summary>
        public void Dispose()
        {
            if (_thread != null && _thread.IsAlive)
            {
                Stop();
                return;
            }
            ReleaseNative();
        }

        internal void Close(LoopSocket socket, bool reset)
        {
            int fd = socket.Fd;
            if (fd < 0)
            {
                return;
            }
            SettleCalls(); // a queued send on it is made before its number can be reused
            Unregister(socket);
            // close() takes the descriptor out of the epoll set; events already gathered carry the old generation.
            if (reset)
            {
                NativeSocket.Reset(fd);
            }
            else
            {
                close(fd);
            }
        }

        /// <summary>The socket reads as closed and gives up its slot (the generation moves on); its descriptor is the caller's.</summary>
        private void Unregister(LoopSocket socket)
        {
            socket.MarkClosed();
            _slots[socket.Slot] = null;
            _slotsUsed--;
            FreeSlot(socket.Slot);
        }

        /// <summary>Handles one event as if epoll had returned it (the loop's own path; tests use it to send stale events).</summary>
        internal void Dispatch(ulong data, uint events)
        {
            if (data == WakeData)
            {
                ulong count;
                read(_wake, &count, (IntPtr)sizeof(ulong));
                return;
            }
            int slot = (int)(uint)data;
            uint generation = (uint)(data >> 32);
            LoopSocket? socket = slot < _slots.Length ? _slots[slot] : null;
            if (socket == null || _generations[slot] != generation)
            {
                StaleEvents++;
                return;
            }
            if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0)
            {
                socket.ReadReady = true;
            }
            if ((events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0)
            {
                socket.WriteReady = true;
            }
            if ((events & (EPOLLRDHUP | EPOLLHUP)) != 0)
            {
                socket.ReadHangup = true;
            }
            socket.PeerShutWrite = (events & (EPOLLHUP | EPOLLERR)) == 0 && (socket.PeerShutWrite || (events & EPOLLRDHUP) != 0);
            try
            {
                socket.Handler.OnReady(socket, events);
            }
            catch (Exception e)
            {
                Fault(socket.Handler, e);
            }
        }

        private void Run()
        {
            Volatile.Write(ref _threadId, gettid());
            try
            {
                if (_batchCalls)
                {
                    _batch = LoopCallBatch.TryCreate();
                }
                while (!_stopRequested)
                {
                    RunPosted();
                    RunDeferred();
                    DrainCalls();
                    int timeout = _deferred.Count > 0 ? 0 : Timers.MillisecondsUntilNext(Now);
                    if (timeout != 0)
                    {
                        Interlocked.Exchange(ref _sleeping, 1); // a full fence before looking at the queue
                        if (!_posted.IsEmpty || _stopRequested)
                        {
                            timeout = 0;
                        }
                    }
                    int count = epoll_wait(_epoll, _events, MaxEvents, timeout);
                    Volatile.Write(ref _sleeping, 0);
                    int errno = count < 0 ? Errno : 0;
                    Now = ReadClock();
                    if (count < 0 && errno != EINTR)
                    {
                        throw new SocketException((int)NativeSocket.ToSocketError(errno));
                    }
                    for (int i = 0; i < count; i++)
                    {
                        Dispatch(EpollEvents.DataAt(_events, i), EpollEvents.EventsAt(_events, i));
                    }
                    DrainCalls();
                    if (Timers.Count > 0)
                    {
                        Timers.Advance(Now, _fireTimer);
                        DrainCalls();
                    }
                }
            }
            catch (Exception e)
            {
                // Only the loop's own machinery gets here (owners are guarded one by one): say so, then close down.
                Interlocked.Increment(ref _faults);
                Trace(e);
            }
            finally
            {
                Shutdown();
            }
        }

        private void RunPosted()
        {
            while (_posted.TryDequeue(out ILoopWorkItem? item))
            {
                Execute(item);
            }
        }

        private void RunDeferred()
        {
            if (_deferred.Count == 0)
            {
                return;
            }
            List<ILoopWorkItem> running = _deferred;
            _deferred = _running;
            _running = running;
            for (int i = 0; i < running.Count; i++)
            {
                Execute(running[i]);
            }
            running.Clear();
        }

        private void Execute(ILoopWorkItem item)
        {
            try
            {
                item.Execute(this);
            }
            catch (Exception e)
            {
                Fault(item as ILoopSocketHandler, e);
            }
        }

        private void FireTimer(LoopTimer timer)
        {
            try
            {
                timer.Handler.OnTimer(timer);
            }
            catch (Exception e)
            {
                Fault(timer.Handler as ILoopSocketHandler, e);
            }
        }

        private void Fault(ILoopSocketHandler? handler, Exception e)
        {
            Interlocked.Increment(ref _faults);
            Trace(e);
            if (handler != null)
            {
                try
                {
                    handler.Abort();
                }
                catch (Exception again)
                {
                    Trace(again);
                }
                // Abort ends what the handler owns; what it left (its Abort threw, or its end had thrown before) the loop resets.
                CloseOwnedBy(handler);
            }
        }

        /// <summary>Resets every descriptor still registered to <paramref name="handler"/> (after a fault: rare, so a scan).</summary>
        private void CloseOwnedBy(ILoopSocketHandler handler)
        {
            for (int i = 0; i < _slotsNeverUsed; i++)
            {
                LoopSocket? socket = _slots[i];
                if (socket != null && ReferenceEquals(socket.Handler, handler))
                {
                    Close(socket, reset: true);
                }
            }
        }

        /// <summary>Counts and traces an exception that its catcher has already dealt with.</summary>
        internal void ReportFault(Exception e) => Fault(null, e);

        private void Trace(Exception e)
        {
            try
            {
                _trace?.Faulted(Name, e);
            }
            catch
            {
                // A trace that throws is not allowed to end the loop either.
            }
        }

        internal void TraceAcceptPaused(int errno)
        {
            try
            {
                _trace?.AcceptPaused(Name, errno);
            }
            catch
            {
            }
        }

        private void Shutdown()
        {
            // Owners reset their connections (closing through Close); whatever is left is closed here.
            var owners = new HashSet<ILoopSocketHandler>();
            for (int i = 0; i < _slots.Length; i++)
            {
                LoopSocket? socket = _slots[i];
                if (socket != null)
                {
                    owners.Add(socket.Handler);
                }
            }
            foreach (ILoopSocketHandler handler in owners)
            {
                try
                {
                    handler.Abort();
                }
                catch (Exception e)
                {
                    Trace(e);
                }
            }
            for (int i = 0; i < _slots.Length; i++)
            {
                LoopSocket? socket = _slots[i];
                if (socket != null)
                {
                    Close(socket, reset: true);
                }
            }
            // Work that will never run now: an item that holds a resource (a handed-off descriptor) lets it go.
            while (_posted.TryDequeue(out ILoopWorkItem? dropped))
            {
                try
                {
                    (dropped as IDisposable)?.Dispose();
                }
                catch (Exception e)
                {
                    Trace(e);
                }
            }
            SettleCalls();
            _batch?.Dispose();
            _batch = null;
            ReleaseNative();
        }

        private void ReleaseNative()
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            // A thread inside Wake finishes its write before the eventfd closes (its number could be reused).
            Interlocked.Exchange(ref _closing, 1);
            var spin = new SpinWait();
            while (Volatile.Read(ref _waking) != 0)
            {
                spin.SpinOnce();
            }
            close(_wake);
            close(_epoll);
            Marshal.FreeHGlobal((IntPtr)_events);
            Buffers.Dispose();
        }

        private void Wake()
        {
            Interlocked.Increment(ref _waking);
            if (Volatile.Read(ref _closing) == 0)
            {
                Interlocked.Increment(ref _wakeups);
                ulong one = 1;
                write(_wake, &one, (IntPtr)sizeof(ulong));
            }
            Interlocked.Decrement(ref _waking);
        }

        private int TakeSlot()
        {
            if (_freeCount > 0)
            {
                return _freeSlots[--_freeCount];
            }
            if (_slotsNeverUsed == _slots.Length)
            {
                int size = _slots.Length * 2;
                Array.Resize(ref _slots, size);
                Array.Resize(ref _generations, size);
                Array.Resize(ref _freeSlots, size);
            }
            return _slotsNeverUsed++;
        }

        private void FreeSlot(int slot)
        {
            unchecked
            {
                _generations[slot]++;
            }
            _freeSlots[_freeCount++] = slot;
        }

        private static long ReadClock() => (long)(Stopwatch.GetTimestamp() / TicksPerMillisecond);
    }
}
