using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// A bounded queue of connections waiting for a slot (under a connection limit). Waiters are
    /// woken one per freed slot, in order; a waiter that times out, or finds the queue full, is
    /// refused.
    /// </summary>
    internal sealed class SlotWaitQueue
    {
        private readonly object _lock = new object();
        private readonly Queue<TaskCompletionSource<bool>> _waiters = new Queue<TaskCompletionSource<bool>>();
        private volatile int _capacity;
        private int _waiting;

        public SlotWaitQueue(int capacity) => _capacity = capacity;

        /// <summary>How many may wait at once; a reload may change it (those already waiting stay).</summary>
        public int Capacity
        {
            get => _capacity;
            set => _capacity = value;
        }

        /// <summary>Connections waiting now.</summary>
        public int Waiting => Volatile.Read(ref _waiting);

        /// <summary>
        /// Waits until <paramref name="tryAcquire"/> succeeds, re-trying each time a slot is freed,
        /// until <paramref name="timeout"/>. False when the queue is full or time runs out.
        /// </summary>
        public async Task<bool> WaitForSlotAsync(Func<bool> tryAcquire, TimeSpan timeout, CancellationToken cancellation)
        {
            long deadline = Environment.TickCount + (long)timeout.TotalMilliseconds;
            while (true)
            {
                TaskCompletionSource<bool>? waiter = Enqueue();
                if (waiter == null)
                {
                    return false;
                }
                bool wokenForUs = false;
                try
                {
                    // A slot freed before we queued would have woken nobody: look once more.
                    if (tryAcquire())
                    {
                        return true;
                    }
                    long remaining = deadline - Environment.TickCount;
                    if (remaining <= 0)
                    {
                        return false;
                    }
                    using (var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellation))
                    {
                        timer.CancelAfter(TimeSpan.FromMilliseconds(remaining));
                        using (timer.Token.Register(w => ((TaskCompletionSource<bool>)w!).TrySetResult(false), waiter))
                        {
                            wokenForUs = await waiter.Task.ConfigureAwait(false);
                            if (!wokenForUs)
                            {
                                return false;
                            }
                        }
                    }
                    if (tryAcquire())
                    {
                        return true;
                    }
                }
                finally
                {
                    Leave(waiter, wokenForUs);
                }
            }
        }

        /// <summary>A slot was freed: wake the longest waiter.</summary>
        public void SignalOne()
        {
            if (Volatile.Read(ref _waiting) == 0)
            {
                return;
            }
            lock (_lock)
            {
                while (_waiters.Count > 0)
                {
                    if (_waiters.Dequeue().TrySetResult(true))
                    {
                        return;
                    }
                }
            }
        }

        /// <summary>A limit was raised: wake every waiter to look again (those that find no slot queue again).</summary>
        public void SignalAll()
        {
            lock (_lock)
            {
                while (_waiters.Count > 0)
                {
                    _waiters.Dequeue().TrySetResult(true);
                }
            }
        }

        private TaskCompletionSource<bool>? Enqueue()
        {
            lock (_lock)
            {
                if (_waiting >= _capacity)
                {
                    return null;
                }
                var waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Enqueue(waiter);
                _waiting++;
                return waiter;
            }
        }

        private void Leave(TaskCompletionSource<bool> waiter, bool wakeUpUsed)
        {
            lock (_lock)
            {
                _waiting--;
            }
            // Woken, but the wake-up was not used (acquired on the re-check, or timed out at the
            // same moment): pass it on, or a freed slot would wait for nobody.
            if (!waiter.TrySetResult(false) && waiter.Task.Result && !wakeUpUsed)
            {
                SignalOne();
            }
        }
    }
}
