using System;
using TcpLb.Engine.Net.EventLoop;
using static TcpLb.Engine.Net.EventLoop.LinuxNative;

namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>
    /// A relayed connection's deadlines on its one <see cref="LoopTimer"/>, moved to the earliest:
    /// connect, preamble, idle, FIN, response, and the wake times its shapers ask for. The idle, FIN
    /// and response limits are read from the shared <see cref="RelayTimeoutSettings"/> each time the
    /// timer is armed or fires, so a reload reaches open connections
    /// (<see cref="RelayConnectionSet.ApplyTimeouts"/> re-arms them at once).
    /// </summary>
    internal sealed partial class LoopRelayConnection
    {
        private long _connectDeadline;
        private long _finSince; // 0: no FIN passed on yet
        private long _lastActivity;
        private long _movedAtLastTurn;
        private long _awaitingSince; // 0: not waiting for the server's first byte
        private bool _answered;

        public bool WatchesResponse { get; set; } = true;

        void ILoopTimerHandler.OnTimer(LoopTimer timer)
        {
            long now = _loop.Now;
            if (_connecting && _connectDeadline != 0 && now >= _connectDeadline)
            {
                FailConnect(ETIMEDOUT);
                return;
            }
            if (_preamble.Deadline != 0 && now >= _preamble.Deadline)
            {
                TimeOut(RelayTimeout.Preamble);
                return;
            }
            if (now >= FinDeadline)
            {
                TimeOut(RelayTimeout.Fin);
                return;
            }
            if (now >= IdleDeadline)
            {
                TimeOut(RelayTimeout.Idle);
                return;
            }
            if (now >= ResponseDeadline)
            {
                _awaitingSince = 0;
                if (!ServerFailedBeforeResponse(UnansweredEnd.Timeout, _server))
                {
                    TimeOut(RelayTimeout.Response);
                }
                return;
            }
            if (IsDue(_up.WakeAt, now) || IsDue(_down.WakeAt, now))
            {
                // A shaper asked to be asked again: a turn, which asks it.
                _up.WakeAt = IsDue(_up.WakeAt, now) ? 0 : _up.WakeAt;
                _down.WakeAt = IsDue(_down.WakeAt, now) ? 0 : _down.WakeAt;
                Run();
                if (IsClosed)
                {
                    return;
                }
            }
            ArmTimer();
        }

        /// <summary>The shared deadlines changed: the timer moves to the new earliest (loop thread).</summary>
        internal void Rearm()
        {
            if (!IsClosed)
            {
                ArmTimer();
            }
        }

        private static bool IsDue(long wakeAt, long now) => wakeAt != 0 && now >= wakeAt;

        /// <summary>After a FIN the other direction may go on while it keeps moving: the limit bounds its silence, not its length.</summary>
        private long FinDeadline
        {
            get
            {
                int limit = _timeouts.FinMilliseconds;
                return _finSince == 0 || limit <= 0 ? long.MaxValue : Math.Max(_finSince, _lastActivity) + limit;
            }
        }

        private long IdleDeadline
        {
            get
            {
                int limit = _timeouts.IdleMilliseconds;
                return limit <= 0 || IsHeldForOutage ? long.MaxValue : _lastActivity + limit;
            }
        }

        /// <summary>Until the first answer every byte that moves is the client's: the wait counts from the later of the two.</summary>
        private long ResponseDeadline
        {
            get
            {
                int limit = _timeouts.ResponseMilliseconds;
                return _awaitingSince == 0 || limit <= 0 ? long.MaxValue : Math.Max(_awaitingSince, _lastActivity) + limit;
            }
        }

        private void ArmTimer()
        {
            long due = long.MaxValue;
            if (_connecting && _connectDeadline != 0)
            {
                due = _connectDeadline;
            }
            if (_preamble.Deadline != 0)
            {
                due = Math.Min(due, _preamble.Deadline);
            }
            due = Math.Min(due, FinDeadline);
            due = Math.Min(due, IdleDeadline);
            due = Math.Min(due, ResponseDeadline);
            if (_up.WakeAt != 0)
            {
                due = Math.Min(due, _up.WakeAt);
            }
            if (_down.WakeAt != 0)
            {
                due = Math.Min(due, _down.WakeAt);
            }
            if (due == long.MaxValue)
            {
                _loop.Cancel(_timer);
            }
            else if (!_timer.IsArmed || _timer.Due != due)
            {
                _loop.Schedule(_timer, due);
            }
        }
    }
}
