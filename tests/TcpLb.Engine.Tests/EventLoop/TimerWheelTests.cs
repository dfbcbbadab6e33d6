using System.Collections.Generic;
using TcpLb.Engine.Net.EventLoop;

namespace TcpLb.Engine.Tests.EventLoop
{
    /// <summary>The timing wheel on a clock the test moves by hand.</summary>
    public class TimerWheelTests
    {
        private readonly List<string> _fired = new List<string>();

        [Fact]
        public void A_deadline_more_than_one_turn_away_waits_for_its_turn()
        {
            var wheel = new TimerWheel(1000);
            LoopTimer far = Timer("far");
            wheel.Schedule(far, 1000 + 25_000); // about two and a half turns
            for (long now = 1000; now < 26_000; now += 500)
            {
                wheel.Advance(now, Fire);
            }
            Assert.Empty(_fired);
            Assert.True(wheel.MillisecondsUntilNext(25_900) >= 0);
            wheel.Advance(26_000, Fire);
            Assert.Equal(new[] { "far" }, _fired);
            Assert.Equal(0, wheel.Count);
            Assert.Equal(-1, wheel.MillisecondsUntilNext(26_000));
        }

        [Fact]
        public void A_due_callback_may_reschedule_itself()
        {
            var wheel = new TimerWheel(0);
            var again = new LoopTimer(new Handler(t =>
            {
                _fired.Add("again");
                if (_fired.Count < 3)
                {
                    wheel.Schedule(t, t.Due + 100);
                }
            }));
            wheel.Schedule(again, 50);
            wheel.Advance(60, Fire);
            wheel.Advance(160, Fire);
            wheel.Advance(260, Fire);
            wheel.Advance(1000, Fire);
            Assert.Equal(new[] { "again", "again", "again" }, _fired);
            Assert.False(again.IsArmed);
        }

        [Fact]
        public void A_due_callback_may_cancel_another_one_due_at_the_same_time()
        {
            var wheel = new TimerWheel(0);
            LoopTimer? a = null;
            LoopTimer? b = null;
            a = new LoopTimer(new Handler(_ => { _fired.Add("a"); wheel.Cancel(b!); }));
            b = new LoopTimer(new Handler(_ => { _fired.Add("b"); wheel.Cancel(a!); }));
            wheel.Schedule(a, 50);
            wheel.Schedule(b, 52);
            wheel.Advance(60, Fire);
            Assert.Single(_fired);
            Assert.False(a.IsArmed || b.IsArmed);
            Assert.Equal(0, wheel.Count);
        }

        [Fact]
        public void A_late_loop_fires_everything_that_is_due_once()
        {
            var wheel = new TimerWheel(0);
            for (int i = 0; i < 50; i++)
            {
                wheel.Schedule(Timer("t" + i), i * 7);
            }
            wheel.Advance(100_000, Fire); // the loop was blocked much longer than a turn
            Assert.Equal(50, _fired.Count);
            Assert.Equal(50, new HashSet<string>(_fired).Count);
            Assert.Equal(0, wheel.Count);
        }

        [Fact]
        public void Waiting_time_is_to_the_next_bucket_with_a_deadline()
        {
            var wheel = new TimerWheel(0);
            wheel.Schedule(Timer("a"), 500);
            int wait = wheel.MillisecondsUntilNext(0);
            Assert.InRange(wait, 500 - TimerWheel.TickMilliseconds, 500);
        }

        private LoopTimer Timer(string name) => new LoopTimer(new Handler(_ => _fired.Add(name)));

        private void Fire(LoopTimer timer) => timer.Handler.OnTimer(timer);

        private sealed class Handler : ILoopTimerHandler
        {
            private readonly System.Action<LoopTimer> _action;

            public Handler(System.Action<LoopTimer> action) => _action = action;

            public void OnTimer(LoopTimer timer) => _action(timer);
        }
    }
}
