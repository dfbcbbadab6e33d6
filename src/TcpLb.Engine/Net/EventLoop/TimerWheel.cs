using System;

namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>
    /// A hashed timing wheel: deadlines in buckets of <see cref="TickMilliseconds"/>, one list per
    /// bucket, so arming, moving and cancelling cost O(1) whatever the number of connections, and
    /// the loop wakes for the next non-empty bucket only (never per connection). A deadline more than
    /// one turn away stays in its bucket and is passed over until its turn. Loop thread only.
    /// </summary>
    internal sealed class TimerWheel
    {
        public const int TickMilliseconds = 10;
        private const int BucketCount = 1024; // about 10 s per turn
        private const int Mask = BucketCount - 1;

        private readonly LoopTimer?[] _buckets = new LoopTimer?[BucketCount];
        private LoopTimer? _firing;
        private long _currentTick;
        private int _count;

        public TimerWheel(long now)
        {
            _currentTick = now / TickMilliseconds;
        }

        public int Count => _count;

        public void Schedule(LoopTimer timer, long due)
        {
            Cancel(timer);
            timer.Due = due;
            long tick = Math.Max(due / TickMilliseconds, _currentTick);
            Link(timer, (int)(tick & Mask));
        }

        public void Cancel(LoopTimer timer)
        {
            if (timer.List == LoopTimer.NotArmed)
            {
                return;
            }
            ref LoopTimer? head = ref HeadOf(timer.List);
            if (timer.Previous != null)
            {
                timer.Previous.Next = timer.Next;
            }
            else
            {
                head = timer.Next;
            }
            if (timer.Next != null)
            {
                timer.Next.Previous = timer.Previous;
            }
            timer.Previous = null;
            timer.Next = null;
            timer.List = LoopTimer.NotArmed;
            _count--;
        }

        /// <summary>Milliseconds until the next bucket that holds a deadline (a lower bound), or -1 for none.</summary>
        public int MillisecondsUntilNext(long now)
        {
            if (_count == 0)
            {
                return -1;
            }
            for (long tick = _currentTick; tick < _currentTick + BucketCount; tick++)
            {
                if (_buckets[tick & Mask] != null)
                {
                    long wait = (tick * TickMilliseconds) - now;
                    return wait <= 0 ? 0 : (int)Math.Min(wait, int.MaxValue);
                }
            }
            return 0;
        }

        /// <summary>
        /// Fires every deadline that is due at <paramref name="now"/>, through <paramref name="fire"/>
        /// (which may schedule or cancel any timer, itself included).
        /// </summary>
        public void Advance(long now, Action<LoopTimer> fire)
        {
            long nowTick = now / TickMilliseconds;
            long first = Math.Max(_currentTick, nowTick - Mask);
            for (long tick = first; tick <= nowTick; tick++)
            {
                // Move the due ones out first: callbacks then change lists freely.
                LoopTimer? timer = _buckets[tick & Mask];
                while (timer != null)
                {
                    LoopTimer? next = timer.Next;
                    if (timer.Due <= now)
                    {
                        Cancel(timer);
                        Link(timer, LoopTimer.Firing);
                    }
                    timer = next;
                }
            }
            // The current bucket is walked again next time: it may hold deadlines later in this tick.
            _currentTick = Math.Max(_currentTick, nowTick);
            while (_firing != null)
            {
                LoopTimer due = _firing;
                Cancel(due);
                fire(due);
            }
        }

        private void Link(LoopTimer timer, int list)
        {
            ref LoopTimer? head = ref HeadOf(list);
            timer.List = list;
            timer.Previous = null;
            timer.Next = head;
            if (head != null)
            {
                head.Previous = timer;
            }
            head = timer;
            _count++;
        }

        private ref LoopTimer? HeadOf(int list)
        {
            if (list == LoopTimer.Firing)
            {
                return ref _firing;
            }
            return ref _buckets[list];
        }
    }
}
