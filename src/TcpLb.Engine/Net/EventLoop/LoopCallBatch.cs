using System;
using System.Collections.Generic;

namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>
    /// The sends and receives an <see cref="EpollLoop"/> queues during a turn, made together by one
    /// io_uring_enter instead of one system call each. On the bench's machine (a VM with page-table
    /// isolation) a system call's entry and exit cost about a microsecond of CPU, as much as the TCP
    /// work of a small send, so this takes the balancer from about 4.3 system calls per keep-alive
    /// request to about 1.3 (docs/design/event-loop.md, "Batching the loop's system calls").
    ///
    /// Every call is queued non-blocking (MSG_DONTWAIT), so the kernel completes each during the
    /// submitting call and its result is there when it returns: nothing is left in the kernel between
    /// turns, no buffer stays lent to it, and a socket's state is settled before the loop waits. A
    /// result goes to the call's owner (<see cref="IRingCompletion"/>), which takes it on its next
    /// turn; the socket's handler is then run (<see cref="TakeWoken"/>) as for an event. The
    /// readiness flags follow each result by the socket's own rules (<see cref="LoopSocket.TookRead"/>,
    /// <see cref="LoopSocket.TookSend"/>). Loop thread only.
    /// </summary>
    internal sealed unsafe class LoopCallBatch : IDisposable
    {
        /// <summary>Calls queued before they are made anyway (the ring's submission slots).</summary>
        private const uint Slots = 256;

        private readonly IoUring _ring;
        private readonly Call[] _calls;
        private int _count;
        private List<LoopSocket> _woken = new List<LoopSocket>();
        private List<LoopSocket> _waking = new List<LoopSocket>();

        private LoopCallBatch(IoUring ring)
        {
            _ring = ring;
            _calls = new Call[ring.Entries];
        }

        /// <summary>A batch on a ring of the calling thread (the loop's), or null where the kernel refuses one: the loop then makes one call at a time.</summary>
        public static LoopCallBatch? TryCreate()
        {
            IoUring? ring = IoUring.TryCreate(Slots);
            return ring == null ? null : new LoopCallBatch(ring);
        }

        /// <summary>
        /// Queues a send of <paramref name="length"/> bytes at <paramref name="buffer"/> on
        /// <paramref name="socket"/>, made with the others of the batch: before the loop waits again,
        /// and before any of its sockets is closed, detached or called on directly (<see cref="Settle"/>).
        /// The buffer stays as it is until the result has reached <paramref name="sender"/>.
        /// </summary>
        public void QueueSend(LoopSocket socket, IRingCompletion sender, byte* buffer, int length)
        {
            int call = Take(socket, sender, length, receive: false);
            _ring.TryQueueSend(socket.Fd, buffer, length, (ulong)call);
        }

        /// <summary>Queues a receive of up to <paramref name="length"/> bytes into <paramref name="buffer"/> from <paramref name="socket"/>, as <see cref="QueueSend"/> queues a send.</summary>
        public void QueueReceive(LoopSocket socket, IRingCompletion receiver, byte* buffer, int length)
        {
            int call = Take(socket, receiver, length, receive: true);
            _ring.TryQueueReceive(socket.Fd, buffer, length, (ulong)call);
        }

        /// <summary>Makes every queued call now and hands each its result; no handler runs here.</summary>
        public void Settle()
        {
            if (_count == 0)
            {
                return;
            }
            int queued = _count;
            int refused = _ring.Submit();
            if (refused != 0)
            {
                // The kernel made none of them: each fails as its own call would have (its connection ends).
                for (int i = 0; i < queued; i++)
                {
                    Complete(i, -refused);
                }
            }
            else
            {
                var sink = new Sink(this);
                int reaped = _ring.Reap(ref sink);
                if (reaped != queued)
                {
                    // With MSG_DONTWAIT the kernel finishes every call while submitting (a non-blocking
                    // socket call is never parked to wait). Should one not be, its slot would be reused
                    // under it: the loop stops rather than guess.
                    throw new InvalidOperationException($"io_uring completed {reaped} of {queued} non-blocking calls while submitting them.");
                }
            }
            Array.Clear(_calls, 0, queued);
            _count = 0;
        }

        /// <summary>
        /// Makes what is queued, then hands over the sockets whose calls have results since the last
        /// time, for their handlers to run (the caller clears the list); null when there are none.
        /// </summary>
        public List<LoopSocket>? TakeWoken()
        {
            Settle();
            if (_woken.Count == 0)
            {
                return null;
            }
            List<LoopSocket> woken = _woken;
            _woken = _waking;
            _waking = woken;
            return woken;
        }

        public void Dispose() => _ring.Dispose();

        private int Take(LoopSocket socket, IRingCompletion owner, int length, bool receive)
        {
            if (_ring.IsFull)
            {
                Settle();
            }
            int call = _count++;
            _calls[call] = new Call(socket, owner, length, receive);
            return call;
        }

        private void Complete(int index, int result)
        {
            Call call = _calls[index];
            LoopSocket socket = call.Socket!;
            if (call.Receive)
            {
                socket.TookRead(result, call.Length);
                call.Owner!.ReceiveCompleted(result);
            }
            else
            {
                socket.TookSend(result, call.Length);
                call.Owner!.SendCompleted(result);
            }
            _woken.Add(socket);
        }

        private readonly struct Call
        {
            public Call(LoopSocket socket, IRingCompletion owner, int length, bool receive)
            {
                Socket = socket;
                Owner = owner;
                Length = length;
                Receive = receive;
            }

            public LoopSocket? Socket { get; }

            public IRingCompletion? Owner { get; }

            public int Length { get; }

            public bool Receive { get; }
        }

        private readonly struct Sink : IoUring.ICompletionSink
        {
            private readonly LoopCallBatch _batch;

            public Sink(LoopCallBatch batch) => _batch = batch;

            public void Completed(ulong userData, int result) => _batch.Complete((int)userData, result);
        }
    }
}
