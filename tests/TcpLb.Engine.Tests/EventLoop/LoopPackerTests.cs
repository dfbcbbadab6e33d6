using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Sockets;
using System.Threading.Tasks;
using TcpLb.Engine.Net.EventLoop;
using TcpLb.Engine.Proxying.Loop;

namespace TcpLb.Engine.Tests.EventLoop
{
    /// <summary>
    /// The packed layout on a real relay: a trial of fewer loops gathers the open connections on
    /// the loops that stay, new ones go there too, and going back spreads them again, every
    /// connection relaying all along. The packer is driven by hand with figures (the policy's own tests cover which
    /// figures decide what); one test reads the real scheduler.
    /// </summary>
    public class LoopPackerTests
    {
        private const double Loaded = 0.8;

        [Fact]
        public async Task A_trial_of_one_loop_gathers_the_connections_on_it_and_going_back_splits_them_again_relaying_all_along()
        {
            using var backend = new RawBackend();
            using var relay = new RelayUnderTest(backend.Port, LoopLayout.Packed, loops: 2);
            LoopPacker packer = relay.Relay.Listener.Packer ?? throw new InvalidOperationException("the packed layout has a packer");
            packer.DriveByHand();
            EpollLoop[] loops = relay.Relay.Loops;
            await LoopConnectionSetTests.WaitUntilAsync(() => loops.All(l => l.OpenSockets == 1)); // each loop's listener, registered
            int[] listening = { 1, 1 };
            var pairs = new List<(Socket Client, Socket Server)>();
            try
            {
                // Every loop takes connections at first: the least loaded one each time.
                for (int i = 0; i < 8; i++)
                {
                    pairs.Add(await relay.PairAsync(backend));
                }
                await LoopConnectionSetTests.WaitUntilAsync(() => relay.Relay.Connections.Count == 8);
                Assert.Equal(2, relay.Relay.Listener.ActiveLoops);
                // The backend may accept a connection before the loop has registered its socket: wait for the counts.
                await LoopConnectionSetTests.WaitUntilAsync(() => loops[0].OpenSockets == listening[0] + 8 && loops[1].OpenSockets == listening[1] + 8);

                // A trial of one loop: the second loop's connections move to the first and relay on.
                while (packer.Active == 2)
                {
                    packer.Weigh(Loaded, 1_000_000, 10);
                }
                Assert.Equal(1, relay.Relay.Listener.ActiveLoops);
                Assert.Contains("trying 1 loops against 2", packer.Reason);
                // Detached from one loop, then registered on the other: both counts settle.
                await LoopConnectionSetTests.WaitUntilAsync(() => loops[1].OpenSockets == listening[1] && loops[0].OpenSockets == listening[0] + 16);
                await EchoEveryWayAsync(pairs, 1);

                // New connections all go to the first loop, and the kernel gives them to its
                // listener: none is accepted on the second loop to be handed across.
                long handOffs = relay.Relay.Listener.HandOffs;
                for (int i = 0; i < 4; i++)
                {
                    pairs.Add(await relay.PairAsync(backend));
                }
                await LoopConnectionSetTests.WaitUntilAsync(() => relay.Relay.Connections.Count == 12);
                await LoopConnectionSetTests.WaitUntilAsync(() => loops[0].OpenSockets == listening[0] + 24);
                Assert.Equal(listening[1], loops[1].OpenSockets);
                Assert.Equal(handOffs, relay.Relay.Listener.HandOffs);

                // The trial relays less: back to two loops, and half the connections move back.
                while (packer.Active == 1)
                {
                    packer.Weigh(Loaded, 500_000, 10);
                }
                Assert.Contains("back to 2 loops", packer.Reason);
                // The trace heard each change once, with its reason (the balancer's LoopsChanged, Verbose in the job).
                Assert.Collection(relay.Trace.Packings,
                    p => Assert.StartsWith("1 of 2: trying 1 loops against 2 (", p),
                    p => Assert.StartsWith("2 of 2: back to 2 loops: 1 loops relayed ", p));
                await LoopConnectionSetTests.WaitUntilAsync(() => loops[1].OpenSockets == listening[1] + 12 && loops[0].OpenSockets == listening[0] + 12);
                await EchoEveryWayAsync(pairs, 2);

                foreach (var (client, server) in pairs)
                {
                    await SocketIo.HalfCloseAsync(client, server);
                    await SocketIo.HalfCloseAsync(server, client);
                }
                await relay.Observer.WaitAsync(() => relay.Observer.Closed == 12);
                Assert.False(relay.Observer.Saw("reset:Client") || relay.Observer.Saw("reset:Server"), string.Join(", ", relay.Observer.Events));
            }
            finally
            {
                foreach (var (client, server) in pairs)
                {
                    client.Dispose();
                    server.Dispose();
                }
            }
            Assert.Empty(relay.Trace.Faults);
        }

        [Fact]
        public void A_trace_that_throws_does_not_stop_the_packer()
        {
            using var backend = new RawBackend();
            using var relay = new RelayUnderTest(backend.Port, LoopLayout.Packed, loops: 2);
            LoopPacker packer = relay.Relay.Listener.Packer!;
            packer.DriveByHand();
            relay.Trace.PackedThrows = true;

            for (int i = 0; i < 40 && packer.Active == 2; i++)
            {
                packer.Weigh(Loaded, 1_000_000, 10);
            }
            Assert.Equal(1, packer.Active);
            for (int i = 0; i < 40 && packer.Active == 1; i++)
            {
                packer.Weigh(Loaded, 500_000, 10);
            }

            // Both changes carried out and told, though the trace threw each time: the packer did not give up.
            Assert.Equal(2, packer.Active);
            Assert.Contains("back to 2 loops", packer.Reason);
            Assert.Equal(2, relay.Trace.Packings.Count);
        }

        [Fact]
        public async Task The_packer_reads_the_loop_threads_from_the_scheduler_and_the_bytes_they_send()
        {
            using var backend = new RawBackend();
            using var relay = new RelayUnderTest(backend.Port, LoopLayout.Packed, loops: 2);
            LoopPacker packer = relay.Relay.Listener.Packer!;
            packer.DriveByHand();
            EpollLoop loop = relay.Relay.Loops[0];
            await LoopConnectionSetTests.WaitUntilAsync(() => loop.ThreadId != 0);
            // The thread's CPU clock: the run time its schedstat starts with, read again a moment later.
            string schedstat = System.IO.File.ReadAllText($"/proc/self/task/{loop.ThreadId}/schedstat");
            long fromProc = long.Parse(schedstat.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(SchedulerFigures.TryReadThread(loop.ThreadId, out long run));
            Assert.True(run > 0, "the loop thread has run");
            Assert.True(run >= fromProc, $"the clock read {run} ns after schedstat said {fromProc}");
            Assert.False(SchedulerFigures.TryReadThread(LinuxNative.MaxThreadId - 1, out _), "no such thread (the highest id Linux hands out)");
            Assert.False(SchedulerFigures.TryReadThread(int.MaxValue, out _), "not a thread id: its clock id would wrap to another clock");
            Assert.False(SchedulerFigures.TryReadThread(0, out _), "a loop not started yet has no thread");

            // Four times a second for every loop, as long as the balancer runs: no allocation.
            int threadId = loop.ThreadId;
            Assert.Equal(0, Allocations.QuietestOf(1000, () => SchedulerFigures.TryReadThread(threadId, out _)));
            // And so does a whole window of the packer with no load to weigh (the timer's work).
            Assert.Equal(0, Allocations.QuietestOf(1000, packer.Tick));

            // What the trials compare: every byte the loops send, both ways.
            var (client, server) = await relay.PairAsync(backend);
            using (client)
            using (server)
            {
                await EchoEveryWayAsync(new List<(Socket, Socket)> { (client, server) }, 1); // 3,000 up, 2,000 down
                await LoopConnectionSetTests.WaitUntilAsync(() => relay.Relay.Loops.Sum(l => l.BytesSent) == 5000);
            }

            // A quiet relay tries nothing.
            for (int i = 0; i < LoopPacking.WindowsToSettle + LoopPacking.WindowsMeasured + 2; i++)
            {
                packer.Tick();
                await Task.Delay(20);
            }
            Assert.Equal(2, packer.Active);
            Assert.Empty(relay.Trace.Faults);
        }

        [Fact]
        public async Task Without_a_packed_layout_every_loop_is_active()
        {
            using var backend = new RawBackend();
            using var relay = new RelayUnderTest(backend.Port, LoopLayout.LeastLoaded, loops: 2);
            Assert.Null(relay.Relay.Listener.Packer);
            Assert.Equal(2, relay.Relay.Listener.ActiveLoops);
            var (client, server) = await relay.PairAsync(backend);
            client.Dispose();
            server.Dispose();
        }

        /// <summary>A round trip on every pair, each way, with bytes that name the pair and the round.</summary>
        private static async Task EchoEveryWayAsync(List<(Socket Client, Socket Server)> pairs, int round)
        {
            for (int i = 0; i < pairs.Count; i++)
            {
                var (client, server) = pairs[i];
                byte[] up = SocketIo.RandomBytes(3000 + i, 100 * round + i);
                byte[] down = SocketIo.RandomBytes(2000 + i, 1000 * round + i);
                await SocketIo.SendAllAsync(client, up);
                Assert.Equal(up, await RawBackend.ReadExactlyAsync(server, up.Length));
                await SocketIo.SendAllAsync(server, down);
                Assert.Equal(down, await RawBackend.ReadExactlyAsync(client, down.Length));
            }
        }
    }
}
