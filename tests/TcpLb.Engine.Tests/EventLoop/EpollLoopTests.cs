using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Net.EventLoop;

namespace TcpLb.Engine.Tests.EventLoop
{
    /// <summary>The loop itself: thread, wake-ups, generations, faults, timers, stop.</summary>
    public class EpollLoopTests
    {
        [Fact]
        public async Task Posted_work_runs_on_the_loop_thread_and_posts_from_a_running_loop_never_write_the_eventfd()
        {
            using var loop = new EpollLoop("test-loop");
            loop.Start();
            Assert.True(await OnLoop<bool>.RunAsync(loop, l => l.IsLoopThread));
            Assert.False(loop.IsLoopThread);

            // From inside the loop: 1000 posts while it is running, none of which may wake it.
            var chain = new PostChain(1000);
            long[] wakeups = await OnLoop<long[]>.RunAsync(loop, l =>
            {
                chain.Start = l.Wakeups;
                for (int i = 0; i < 1000; i++)
                {
                    l.Post(chain);
                }
                return Array.Empty<long>();
            });
            long end = await chain.Done.WaitAsync(TestNet.Patience);
            Assert.Equal(chain.Start, end);
            Assert.Equal(1000, chain.Runs);

            // A post to a blocked loop wakes it: the loop has nothing to do, so it is blocked now.
            long before = loop.Wakeups;
            Assert.True(await OnLoop<bool>.RunAsync(loop, l => true));
            Assert.True(loop.Wakeups > before);
        }

        [Fact]
        public async Task An_event_for_a_closed_descriptor_is_ignored_when_its_slot_is_reused()
        {
            using var loop = new EpollLoop("test-loop");
            loop.Start();
            var first = new CountingHandler();
            var second = new CountingHandler();
            var (staleData, reusedSlot, secondSlot, secondData) = await OnLoop<(ulong, bool, int, ulong)>.RunAsync(loop, l =>
            {
                LoopSocket a = l.Register(NewEventFd(), first);
                ulong old = a.EpollData;
                a.Close();
                LoopSocket b = l.Register(NewEventFd(), second);
                return (old, b.Slot == a.Slot, b.Slot, b.EpollData);
            });
            Assert.True(reusedSlot, "the freed slot was not reused: the test would prove nothing");
            Assert.NotEqual(staleData, secondData);

            // The second descriptor has real events of its own (an eventfd is writable): count around the calls.
            var (before, afterStale, afterReal, stale) = await OnLoop<(int, int, int, long)>.RunAsync(loop, l =>
            {
                int count = second.Events;
                l.Dispatch(staleData, LinuxNative.EPOLLIN);
                int afterStaleEvent = second.Events;
                l.Dispatch(secondData, LinuxNative.EPOLLIN);
                return (count, afterStaleEvent, second.Events, l.StaleEvents);
            });
            Assert.Equal(1, stale);
            Assert.Equal(before, afterStale);
            Assert.Equal(before + 1, afterReal);
            Assert.Equal(0, first.Events);
        }

        [Fact]
        public async Task A_detached_descriptor_stays_open_its_old_events_are_stale_and_another_loop_takes_it()
        {
            using var loop = new EpollLoop("test-loop");
            using var other = new EpollLoop("test-loop-2");
            loop.Start();
            other.Start();
            var first = new CountingHandler();
            var second = new SignallingHandler();
            var (fd, oldData, before, after, closedHere) = await OnLoop<(int, ulong, int, int, bool)>.RunAsync(loop, l =>
            {
                LoopSocket socket = l.Register(NewEventFd(), first);
                int count = l.OpenSockets;
                int detached = l.Detach(socket);
                return (detached, socket.EpollData, count, l.OpenSockets, !socket.IsOpen);
            });
            Assert.Equal(before - 1, after);
            Assert.True(closedHere, "the detached socket still reads as open on its old loop");
            Assert.Contains("eventfd", Link(fd));

            long stale = await OnLoop<long>.RunAsync(loop, l =>
            {
                int events = first.Events;
                l.Dispatch(oldData, LinuxNative.EPOLLIN);
                Assert.Equal(events, first.Events);
                return l.StaleEvents;
            });
            Assert.Equal(1, stale);

            // Registered on the other loop, the descriptor reports its readiness there (an eventfd is writable).
            await OnLoop<int>.RunAsync(other, l => l.Register(fd, second).Slot);
            Assert.Equal(LinuxNative.EPOLLOUT, await second.Ready.Task.WaitAsync(TestNet.Patience) & LinuxNative.EPOLLOUT);
            Assert.Equal(1, other.OpenSockets);
        }

        [Fact]
        public async Task A_handler_that_throws_is_traced_and_aborted_and_the_loop_goes_on()
        {
            var trace = new RecordingTrace();
            using var loop = new EpollLoop("test-loop", trace);
            loop.Start();
            var thrower = new ThrowingHandler();
            int fd = NewEventFd();
            // An eventfd is writable at once: its first edge (EPOLLOUT) comes with the registration, and the handler throws on it.
            await OnLoop<int>.RunAsync(loop, l => l.Register(fd, thrower).Slot);

            await thrower.Aborted.Task.WaitAsync(TestNet.Patience);
            Assert.True(trace.Faults.TryPeek(out Exception? fault));
            Assert.IsType<InvalidOperationException>(fault);
            Assert.Equal(1, loop.Faults);
            Assert.True(loop.IsRunning);
            Assert.Equal(42, await OnLoop<int>.RunAsync(loop, l => 42));

            // A throwing work item is survived the same way.
            await Assert.ThrowsAsync<InvalidOperationException>(() => OnLoop<int>.RunAsync(loop, l => throw new InvalidOperationException("work")));
            // The item's task fails as it throws, before the loop counts the fault: the next item runs after the count.
            Assert.Equal(7, await OnLoop<int>.RunAsync(loop, l => 7));
            Assert.Equal(2, loop.Faults);
        }

        [Fact]
        public async Task A_handler_whose_Abort_throws_too_has_its_descriptors_reset_by_the_loop_and_the_loop_goes_on()
        {
            var trace = new RecordingTrace();
            using var loop = new EpollLoop("test-loop", trace);
            loop.Start();
            var bystander = new CountingHandler();
            int kept = NewEventFd();
            await OnLoop<int>.RunAsync(loop, l => l.Register(kept, bystander).Slot);
            int before = await OnLoop<int>.RunAsync(loop, l => l.OpenSockets);

            // Two connections of one owner; its first edge (a connect done) throws, and so does its Abort, closing nothing.
            using var backend = new RawBackend();
            var endPoint = new NativeEndPoint(new IPEndPoint(IPAddress.Loopback, backend.Port));
            var thrower = new ThrowingTwiceHandler();
            await OnLoop<int>.RunAsync(loop, l =>
            {
                l.Register(StartConnect(endPoint), thrower);
                return l.Register(StartConnect(endPoint), thrower).Slot;
            });
            using Socket firstPeer = await backend.AcceptAsync();
            using Socket secondPeer = await backend.AcceptAsync();
            await thrower.Aborted.Task.WaitAsync(TestNet.Patience);

            // The loop reset both: their peers see it, and the loop holds only what it held before.
            Assert.Equal(SocketError.ConnectionReset, await SocketIo.ReadUntilEndAsync(firstPeer));
            Assert.Equal(SocketError.ConnectionReset, await SocketIo.ReadUntilEndAsync(secondPeer));
            Assert.Equal(before, await OnLoop<int>.RunAsync(loop, l => l.OpenSockets));
            Assert.Contains(trace.Faults, f => f.Message == "a bug in an abort");
            Assert.True(loop.IsRunning);

            // The loop goes on serving its other owners: a new descriptor gets its edge, the old one is untouched.
            var next = new CountingHandler();
            await OnLoop<int>.RunAsync(loop, l => l.Register(NewEventFd(), next).Slot);
            Assert.True(await OnLoop<int>.RunAsync(loop, l => next.Events) > 0);
            Assert.Equal(0, bystander.Aborts);
            Assert.Contains("eventfd", Link(kept));
        }

        private static int StartConnect(NativeEndPoint endPoint)
        {
            int fd = NativeSocket.StartConnect(endPoint, out _);
            Assert.True(fd >= 0, "connect failed: errno " + -fd);
            return fd;
        }

        [Fact]
        public async Task Timers_fire_in_deadline_order_and_a_cancelled_one_never_fires()
        {
            using var loop = new EpollLoop("test-loop");
            loop.Start();
            var fired = new List<string>();
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var late = new LoopTimer(new TimerAction(() => { fired.Add("late"); done.TrySetResult(); }));
            var early = new LoopTimer(new TimerAction(() => fired.Add("early")));
            var middle = new LoopTimer(new TimerAction(() => fired.Add("middle")));
            var cancelled = new LoopTimer(new TimerAction(() => fired.Add("cancelled")));
            await OnLoop<int>.RunAsync(loop, l =>
            {
                // One reading of the clock: a loop thread preempted between two calls (a busy machine)
                // would otherwise give the later calls later deadlines than the test means.
                long now = l.Now;
                l.Schedule(late, now + 120);
                l.Schedule(early, now + 20);
                l.Schedule(middle, now + 60);
                l.Schedule(cancelled, now + 40);
                l.Cancel(cancelled);
                return 0;
            });
            await done.Task.WaitAsync(TestNet.Patience);
            Assert.Equal(new[] { "early", "middle", "late" }, await OnLoop<string[]>.RunAsync(loop, l => fired.ToArray()));
        }

        [Fact]
        public async Task Stop_aborts_every_owner_closes_every_descriptor_and_joins_the_thread()
        {
            var loop = new EpollLoop("test-loop");
            loop.Start();
            var handlers = new List<CountingHandler>();
            var fds = new List<int>();
            for (int i = 0; i < 10; i++)
            {
                var handler = new CountingHandler();
                handlers.Add(handler);
                int fd = NewEventFd();
                fds.Add(fd);
                await OnLoop<int>.RunAsync(loop, l => l.Register(fd, handler).Slot);
            }
            Assert.Equal(10, await OnLoop<int>.RunAsync(loop, l => l.OpenSockets));
            var links = fds.ConvertAll(fd => Link(fd));
            Assert.All(links, link => Assert.Contains("eventfd", link));

            loop.Stop();
            Assert.False(loop.IsRunning);
            Assert.All(handlers, h => Assert.Equal(1, h.Aborts));
            for (int i = 0; i < fds.Count; i++)
            {
                // Closed: gone, or (rarely) the number reused by something else.
                string? now = Link(fds[i]);
                Assert.True(now == null || !ReferenceEquals(now, links[i]) && now != links[i], $"descriptor {fds[i]} is still open");
            }
            loop.Stop(); // twice is harmless
        }

        [Fact]
        public async Task Stopping_from_the_loop_thread_itself_ends_the_loop_without_joining_itself()
        {
            var loop = new EpollLoop("test-loop");
            loop.Start();
            var handler = new CountingHandler();
            int fd = NewEventFd();
            await OnLoop<int>.RunAsync(loop, l =>
            {
                l.Register(fd, handler);
                l.Dispose(); // a handler may end its own loop; the loop finishes its turn, then closes everything
                return 0;
            });
            var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var watcher = new System.Threading.Thread(() => { loop.Stop(); ended.TrySetResult(); }); // joins from outside
            watcher.Start();
            await ended.Task.WaitAsync(TestNet.Patience);
            Assert.False(loop.IsRunning);
            Assert.Equal(1, handler.Aborts);
        }

        private static int NewEventFd()
        {
            int fd = LinuxNative.eventfd(0, LinuxNative.EFD_NONBLOCK | LinuxNative.EFD_CLOEXEC);
            Assert.True(fd >= 0, "eventfd failed: errno " + LinuxNative.Errno);
            return fd;
        }

        private static string? Link(int fd)
        {
            try
            {
                return new FileInfo("/proc/self/fd/" + fd).LinkTarget;
            }
            catch (IOException)
            {
                return null;
            }
        }

        private sealed class PostChain : ILoopWorkItem
        {
            private readonly int _count;
            private readonly TaskCompletionSource<long> _done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);

            public PostChain(int count) => _count = count;

            public long Start;

            public int Runs;

            public Task<long> Done => _done.Task;

            public void Execute(EpollLoop loop)
            {
                if (++Runs == _count)
                {
                    _done.TrySetResult(loop.Wakeups);
                }
            }
        }

        private sealed class SignallingHandler : ILoopSocketHandler
        {
            public TaskCompletionSource<uint> Ready { get; } = new TaskCompletionSource<uint>(TaskCreationOptions.RunContinuationsAsynchronously);

            public void OnReady(LoopSocket socket, uint events) => Ready.TrySetResult(events);

            public void Abort()
            {
            }
        }

        private sealed class CountingHandler : ILoopSocketHandler
        {
            public int Events;
            public int Aborts;

            public void OnReady(LoopSocket socket, uint events) => Events++;

            public void Abort() => Aborts++;
        }

        private sealed class ThrowingHandler : ILoopSocketHandler
        {
            public TaskCompletionSource Aborted { get; } = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

            private LoopSocket? _socket;

            public void OnReady(LoopSocket socket, uint events)
            {
                _socket = socket;
                throw new InvalidOperationException("a bug in a handler");
            }

            public void Abort()
            {
                _socket?.Close();
                Aborted.TrySetResult();
            }
        }

        /// <summary>Throws on its first edge, and again in <see cref="Abort"/> without closing anything.</summary>
        private sealed class ThrowingTwiceHandler : ILoopSocketHandler
        {
            public TaskCompletionSource Aborted { get; } = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

            public void OnReady(LoopSocket socket, uint events) => throw new InvalidOperationException("a bug in a handler");

            public void Abort()
            {
                Aborted.TrySetResult();
                throw new InvalidOperationException("a bug in an abort");
            }
        }

        private sealed class TimerAction : ILoopTimerHandler
        {
            private readonly Action _action;

            public TimerAction(Action action) => _action = action;

            public void OnTimer(LoopTimer timer) => _action();
        }
    }
}
