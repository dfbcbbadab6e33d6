using System;
using System.Threading.Tasks;

namespace TcpLb.Engine.Proxying
{
    /// <summary>
    /// What the sends to one side of a proxied connection have seen, so that the direction reading
    /// that side can tell its reset from its FIN.
    /// <para>
    /// The rule (the event loop of issue 17 must carry it too): a reset of one side, however it is
    /// seen (by a read or by a send, before or after the first byte), resets the other side, and
    /// before the server's first byte it is the server's Reset (replayed when RetryOn says so), never
    /// an empty response. A read's end of stream is the side's FIN only when no send to that same
    /// side has failed. That needs asking because on Linux (and BSD) a reset is reported once: when
    /// a send takes the ECONNRESET, reads on the socket then return 0 exactly as after a FIN. So a
    /// read's end of stream asks <see cref="SawResetAsync"/> first, which waits for a send still in
    /// flight to that side (it may be the one taking the error), for at most the FIN timeout without
    /// a byte moving (a send blocked on a peer that half-closed and stopped reading proves nothing).
    /// </para>
    /// Per send it costs an uncontended lock, nothing allocated.
    /// </summary>
    internal sealed class SendWitness
    {
        private readonly object _lock = new object();
        private readonly TimeSpan _settleLimit;
        private object? _sendingTo;
        private object? _failedTo;
        private TaskCompletionSource<bool>? _settled;

        /// <param name="settleLimit">How long a read's end of stream waits without a byte moving for a send in flight (the FIN timeout).</param>
        public SendWitness(TimeSpan settleLimit)
        {
            _settleLimit = settleLimit;
        }

        /// <summary>A send to <paramref name="side"/> (a socket, or the stream over it) starts.</summary>
        public void BeginSend(object side)
        {
            lock (_lock)
            {
                _sendingTo = side;
            }
        }

        /// <summary>The send to <paramref name="side"/> is over; <paramref name="failed"/>: it failed (a reset, an abort).</summary>
        public void EndSend(object side, bool failed)
        {
            TaskCompletionSource<bool>? settled;
            lock (_lock)
            {
                _sendingTo = null;
                if (failed)
                {
                    _failedTo = side;
                }
                settled = _settled;
                _settled = null;
            }
            settled?.TrySetResult(true);
        }

        /// <summary>
        /// Whether a send to <paramref name="side"/> has failed: true when a read's end of stream
        /// from it is a reset taken by that send, not a FIN. Called once per direction, at its end.
        /// </summary>
        public async Task<bool> SawResetAsync(object side, ActivityStamp activity)
        {
            Task settled;
            lock (_lock)
            {
                if (ReferenceEquals(_failedTo, side))
                {
                    return true;
                }
                if (!ReferenceEquals(_sendingTo, side))
                {
                    return false;
                }
                settled = (_settled ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }
            await DuplexPump.CompletesBeforeIdleAsync(settled, _settleLimit, activity).ConfigureAwait(false);
            lock (_lock)
            {
                return ReferenceEquals(_failedTo, side);
            }
        }
    }
}
