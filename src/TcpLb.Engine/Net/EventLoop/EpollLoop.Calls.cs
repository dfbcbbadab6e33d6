using System;
using System.Collections.Generic;

namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>The loop's batched sends and receives (<see cref="LoopCallBatch"/>): queued by the owners, made and handed back by the loop.</summary>
    internal sealed unsafe partial class EpollLoop
    {
        private LoopCallBatch? _batch; // made on the loop thread as it starts, where the kernel allows

        /// <summary>Whether sends and receives are queued (<see cref="QueueSend"/>, <see cref="QueueReceive"/>) and made together, one system call a batch (loop thread; false before the loop runs).</summary>
        public bool BatchesCalls => _batch != null;

        /// <summary>See <see cref="LoopCallBatch.QueueSend"/> (loop thread, <see cref="BatchesCalls"/> only).</summary>
        internal void QueueSend(LoopSocket socket, IRingCompletion sender, byte* buffer, int length) => _batch!.QueueSend(socket, sender, buffer, length);

        /// <summary>See <see cref="LoopCallBatch.QueueReceive"/> (loop thread, <see cref="BatchesCalls"/> only).</summary>
        internal void QueueReceive(LoopSocket socket, IRingCompletion receiver, byte* buffer, int length) => _batch!.QueueReceive(socket, receiver, buffer, length);

        /// <summary>Makes the queued calls now and hands each its result, running no handler: before a descriptor closes or leaves, a direct call on a socket, or a buffer a queued call uses goes back.</summary>
        internal void SettleCalls() => _batch?.Settle();

        /// <summary>Makes every queued call and runs the handlers their results wake, until none is queued (the top of the loop only).</summary>
        private void DrainCalls()
        {
            if (_batch == null)
            {
                return;
            }
            List<LoopSocket>? woken;
            while ((woken = _batch.TakeWoken()) != null)
            {
                for (int i = 0; i < woken.Count; i++)
                {
                    LoopSocket socket = woken[i];
                    if (!socket.IsOpen)
                    {
                        continue; // closed or moved on since its call was made
                    }
                    try
                    {
                        socket.Handler.OnReady(socket, 0);
                    }
                    catch (Exception e)
                    {
                        Fault(socket.Handler, e);
                    }
                }
                woken.Clear();
            }
        }
    }
}
