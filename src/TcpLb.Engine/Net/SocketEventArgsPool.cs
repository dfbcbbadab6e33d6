using System.Collections.Concurrent;
using System.Threading;

namespace TcpLb.Engine.Net
{
    /// <summary>
    /// A bounded pool of <see cref="SocketAwaitableEventArgs"/>, so a new connection reuses the
    /// event args of a finished one instead of allocating and pinning fresh ones.
    /// </summary>
    internal static class SocketEventArgsPool
    {
        private const int MaxPooled = 4096;
        private static readonly ConcurrentQueue<SocketAwaitableEventArgs> Pool = new ConcurrentQueue<SocketAwaitableEventArgs>();
        private static int _count;

        public static SocketAwaitableEventArgs Rent()
        {
            if (Pool.TryDequeue(out SocketAwaitableEventArgs? args))
            {
                Interlocked.Decrement(ref _count);
                return args;
            }
            return new SocketAwaitableEventArgs();
        }

        /// <summary>Returns args whose operation has completed and been awaited.</summary>
        public static void Return(SocketAwaitableEventArgs args)
        {
            args.SetBuffer(null, 0, 0);
            args.AcceptSocket = null;
            args.RemoteEndPoint = null;
            if (Interlocked.Increment(ref _count) <= MaxPooled)
            {
                Pool.Enqueue(args);
            }
            else
            {
                Interlocked.Decrement(ref _count);
                args.Dispose();
            }
        }
    }
}
