using System;
using System.Diagnostics;
using System.Threading;

namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>
    /// Runs <see cref="LoopPacking"/> for a group: every <see cref="LoopPacking.WindowMilliseconds"/>
    /// on a timer (off the loops) it reads how long the loop threads ran (<see cref="SchedulerFigures"/>)
    /// and how many bytes they sent, and when the policy changes the number of active loops it tells
    /// the group's <see cref="ILoopRebalancer"/>. When the figures cannot be read, every loop becomes
    /// active and the packer stops (the layout is then the least-loaded one).
    /// </summary>
    internal sealed class LoopPacker : IDisposable
    {
        private static readonly double NanosecondsPerTick = 1e9 / Stopwatch.Frequency;

        private readonly EpollLoop[] _loops;
        private readonly ILoopRebalancer _rebalancer;
        private readonly ILoopTrace? _trace;
        private readonly LoopPacking _policy;
        private readonly Timer _timer;
        private string _told; // the last reason told to the trace
        private long _run;
        private long _sent;
        private long _stamp;
        private bool _primed;
        private int _ticking;
        private int _active;
        private bool _disposed;

        public LoopPacker(EpollLoop[] loops, ILoopRebalancer rebalancer, ILoopTrace? trace)
        {
            _loops = loops ?? throw new ArgumentNullException(nameof(loops));
            _rebalancer = rebalancer ?? throw new ArgumentNullException(nameof(rebalancer));
            _trace = trace;
            _policy = new LoopPacking(loops.Length);
            _active = _policy.Active;
            _told = _policy.Reason;
            _timer = new Timer(_ => Tick(), null, Timeout.Infinite, Timeout.Infinite);
        }

        /// <summary>The loops taking new connections now: the group's first <see cref="Active"/> (any thread).</summary>
        public int Active => Volatile.Read(ref _active);

        /// <summary>What the count last did and why.</summary>
        public string Reason => _policy.Reason;

        public void Start() => _timer.Change(LoopPacking.WindowMilliseconds, LoopPacking.WindowMilliseconds);

        /// <summary>Reads one window and acts on it (the timer's work).</summary>
        internal void Tick()
        {
            if (Interlocked.Exchange(ref _ticking, 1) == 1)
            {
                return; // the previous window is still being weighed
            }
            try
            {
                if (!Read(out double loopWork, out long sent, out int sockets))
                {
                    GiveUp("the loop threads' figures cannot be read here");
                }
                else if (loopWork >= 0)
                {
                    Weigh(loopWork, sent, sockets);
                }
            }
            catch (Exception e)
            {
                // A timer's exception would end the process: a packer that fails spreads and stops.
                _trace?.Faulted("loop packer", e);
                GiveUp("the packer failed: " + e.Message);
            }
            finally
            {
                Volatile.Write(ref _ticking, 0);
            }
        }

        /// <summary>One window's figures to the policy, and its decision carried out (tests drive the packer with their own).</summary>
        internal void Weigh(double loopWork, long bytesSent, int openSockets)
        {
            int was = _policy.Active;
            _policy.Observe(loopWork, bytesSent, openSockets);
            Apply(was);
        }

        /// <summary>Stops the timer: from here only <see cref="Weigh"/> moves the count (tests).</summary>
        internal void DriveByHand() => _timer.Change(Timeout.Infinite, Timeout.Infinite);

        /// <summary>
        /// The loop threads' work since the last reading (cores, summed; -1 before there are two
        /// readings and every loop runs), the bytes they sent, and the sockets open on them now. False
        /// when a figure cannot be read.
        /// </summary>
        private bool Read(out double loopWork, out long sent, out int sockets)
        {
            loopWork = -1;
            sent = 0;
            sockets = 0;
            long stamp = Stopwatch.GetTimestamp();
            long run = 0;
            long bytes = 0;
            foreach (EpollLoop loop in _loops)
            {
                int threadId = loop.ThreadId;
                if (threadId == 0)
                {
                    _primed = false;
                    return true; // not running yet
                }
                if (!SchedulerFigures.TryReadThread(threadId, out long ran))
                {
                    return false;
                }
                run += ran;
                bytes += loop.BytesSent;
                sockets += loop.OpenSockets;
            }
            double elapsed = (stamp - _stamp) * NanosecondsPerTick;
            if (_primed && elapsed > 0)
            {
                loopWork = (run - _run) / elapsed;
                sent = bytes - _sent;
            }
            _run = run;
            _sent = bytes;
            _stamp = stamp;
            _primed = true;
            return true;
        }

        private void GiveUp(string reason)
        {
            _timer.Change(Timeout.Infinite, Timeout.Infinite);
            int was = _policy.Active;
            _policy.ActivateAll(reason);
            Apply(was);
        }

        private void Apply(int was)
        {
            int active = _policy.Active;
            if (_disposed)
            {
                return;
            }
            Tell(active);
            if (active == was)
            {
                return;
            }
            // New connections go to the new set first, then the open ones follow.
            Volatile.Write(ref _active, active);
            _rebalancer.Rebalance(was, active);
        }

        /// <summary>A decision or change the trace has not heard yet (a new <see cref="LoopPacking.Reason"/>) goes to it.</summary>
        private void Tell(int active)
        {
            string reason = _policy.Reason;
            if (_trace == null || ReferenceEquals(reason, _told))
            {
                return;
            }
            _told = reason;
            try
            {
                _trace.Packed(active, _loops.Length, reason);
            }
            catch (Exception)
            {
                // A trace never takes the packer down.
            }
        }

        /// <summary>Stops the timer and waits for a window being weighed (the loops stop after this).</summary>
        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            using (var done = new ManualResetEvent(false))
            {
                if (_timer.Dispose(done))
                {
                    done.WaitOne();
                }
            }
        }
    }
}
