using System.Buffers;
using TcpLb.Engine.Net.EventLoop;
using static TcpLb.Engine.Net.EventLoop.LinuxNative;

namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>
    /// The client's first bytes before any server is tried (a PROXY header): peeked (MSG_PEEK) into a
    /// pooled array, judged by the observer, and taken exactly, so whatever follows stays the client's
    /// data for the server. Loop thread only.
    /// </summary>
    internal sealed unsafe class RelayPreamble
    {
        /// <summary>
        /// What a connection that reads no preamble has (most of them): never begun, so it stays
        /// inactive and is never written; a connection makes its own at <c>ReadPreamble</c>. Saves an
        /// object per connection.
        /// </summary>
        public static readonly RelayPreamble None = new RelayPreamble();

        private byte[]? _bytes;
        private int _max;

        public bool IsActive => _bytes != null;

        /// <summary>The observer is judging the bytes now (it may connect, which runs the relay re-entrantly).</summary>
        public bool InCallback { get; private set; }

        /// <summary>When it must be complete, in loop milliseconds; 0 for no limit.</summary>
        public long Deadline { get; private set; }

        public void Begin(int maxBytes, long deadline)
        {
            _bytes = ArrayPool<byte>.Shared.Rent(maxBytes);
            _max = maxBytes;
            Deadline = deadline;
        }

        /// <summary>Peeks, asks the observer, takes the preamble when it says how long it is.</summary>
        public PreambleStep TryTake(LoopSocket client, IRelayObserver? observer, IRelayConnection connection, out int errno)
        {
            errno = 0;
            if (!client.ReadReady)
            {
                return PreambleStep.Waiting;
            }
            byte[] bytes = _bytes!;
            int peeked;
            fixed (byte* start = bytes)
            {
                peeked = client.Peek(start, _max);
            }
            if (peeked == -EAGAIN)
            {
                return PreambleStep.Waiting;
            }
            if (peeked < 0)
            {
                errno = -peeked;
                return PreambleStep.ClientFailed;
            }
            int length;
            InCallback = true;
            try
            {
                length = observer?.OnClientPreamble(connection, bytes, peeked) ?? 0;
            }
            finally
            {
                InCallback = false;
            }
            if (length == 0 && (peeked == 0 || peeked == _max || client.ReadHangup))
            {
                length = -1; // no more can come: the client ended, or the preamble would be too long
            }
            if (length < 0 || length > peeked)
            {
                return PreambleStep.Rejected;
            }
            if (length == 0)
            {
                return PreambleStep.Waiting;
            }
            int taken;
            fixed (byte* start = bytes)
            {
                taken = client.Receive(start, length);
            }
            End();
            if (taken != length)
            {
                errno = taken < 0 ? -taken : ECONNRESET;
                return PreambleStep.ClientFailed;
            }
            // Bytes after the preamble may already be queued, and a short peek cleared the flag: read on.
            client.ReadReady = true;
            return PreambleStep.Taken;
        }

        public void End()
        {
            if (ReferenceEquals(this, None))
            {
                return;
            }
            byte[]? bytes = _bytes;
            _bytes = null;
            Deadline = 0;
            if (bytes != null)
            {
                ArrayPool<byte>.Shared.Return(bytes);
            }
        }
    }

    /// <summary>What one look at the client's preamble found.</summary>
    internal enum PreambleStep
    {
        /// <summary>Not all there yet: the next edge brings more.</summary>
        Waiting,

        /// <summary>Taken: relaying may start.</summary>
        Taken,

        /// <summary>The observer refused it, or no more can come: the client is reset.</summary>
        Rejected,

        /// <summary>Reading the client failed (a reset).</summary>
        ClientFailed,
    }
}
