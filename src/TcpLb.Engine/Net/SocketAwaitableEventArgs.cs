using System;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading;

namespace TcpLb.Engine.Net
{
    /// <summary>
    /// A reusable <see cref="SocketAsyncEventArgs"/> that can be awaited directly, so a socket
    /// operation costs no Task and no allocation once the owning async method is running.
    /// One instance serves one operation at a time.
    /// </summary>
    internal sealed class SocketAwaitableEventArgs : SocketAsyncEventArgs, ICriticalNotifyCompletion
    {
        private static readonly Action CompletedSentinel = () => { };
        private Action? _continuation;

        public SocketAwaitableEventArgs GetAwaiter() => this;

        public bool IsCompleted => ReferenceEquals(Volatile.Read(ref _continuation), CompletedSentinel);

        /// <summary>Bytes transferred, or throws the operation's socket error.</summary>
        public int GetResult()
        {
            _continuation = null;
            if (SocketError != SocketError.Success)
            {
                throw new SocketException((int)SocketError);
            }
            return BytesTransferred;
        }

        public void OnCompleted(Action continuation)
        {
            if (ReferenceEquals(_continuation, CompletedSentinel)
                || ReferenceEquals(Interlocked.CompareExchange(ref _continuation, continuation, null), CompletedSentinel))
            {
                // Completed between the IsCompleted check and now: continue on the pool, never inline
                // (inline would grow the stack of the awaiting method).
                ThreadPool.QueueUserWorkItem(static state => ((Action)state!)(), continuation);
            }
        }

        public void UnsafeOnCompleted(Action continuation) => OnCompleted(continuation);

        /// <summary>Marks an operation that finished synchronously as complete.</summary>
        internal void CompleteSynchronously() => Volatile.Write(ref _continuation, CompletedSentinel);

        protected override void OnCompleted(SocketAsyncEventArgs e)
        {
            Action? continuation = Interlocked.Exchange(ref _continuation, CompletedSentinel);
            if (continuation != null && !ReferenceEquals(continuation, CompletedSentinel))
            {
                continuation();
            }
        }
    }
}
