using System;
using System.Buffers;
using System.Net.Sockets;
using System.Threading.Tasks;
using TcpLb.Engine.Net;

namespace TcpLb.Engine.Proxying
{
    /// <summary>
    /// What a client has sent on a connection that its backend has not answered yet (and whether
    /// it has sent FIN), so the bytes can be sent again to another backend. The bytes sit in one
    /// pooled array that grows with them (a short request holds a short array), up to
    /// <see cref="Capacity"/>; past it the buffer gives up for good and holds nothing. Not thread-safe:
    /// <see cref="PendingResponse"/> guards it.
    /// </summary>
    internal sealed class ReplayBuffer
    {
        /// <summary>The most a connection holds; a client that sends more before the first answer cannot be replayed.</summary>
        public const int Capacity = 64 * 1024;

        private const int SmallestArray = 256;
        private byte[]? _bytes;
        private int _count;

        public int Count => _count;

        public bool HasFin { get; private set; }

        /// <summary>More than <see cref="Capacity"/> was offered: the bytes are gone and cannot be replayed.</summary>
        public bool Overflowed { get; private set; }

        /// <summary>The pooled array now held, if any (for tests: idle connections hold none).</summary>
        internal bool HoldsArray => _bytes != null;

        /// <summary>Keeps a copy of the bytes; false (and everything dropped) when they do not fit.</summary>
        public bool TryAppend(byte[] source, int offset, int count)
        {
            if (!TryMakeRoom(count))
            {
                return false;
            }
            Buffer.BlockCopy(source, offset, _bytes!, _count, count);
            _count += count;
            return true;
        }

        /// <summary>
        /// Keeps a copy of <paramref name="count"/> bytes of native memory (a loop buffer); false (and
        /// everything dropped) when they do not fit. For the event loop's relay (Proxying/Loop).
        /// </summary>
        public unsafe bool TryAppend(byte* source, int count)
        {
            if (!TryMakeRoom(count))
            {
                return false;
            }
            System.Runtime.InteropServices.Marshal.Copy((IntPtr)source, _bytes!, _count, count);
            _count += count;
            return true;
        }

        /// <summary>Room for <paramref name="count"/> more bytes; false (and everything dropped, for good) past the capacity.</summary>
        private bool TryMakeRoom(int count)
        {
            if (Overflowed)
            {
                return false;
            }
            if (count > Capacity - _count)
            {
                Overflowed = true;
                Release();
                return false;
            }
            EnsureRoom(_count + count);
            return true;
        }

        /// <summary>Copies every held byte into <paramref name="destination"/> at <paramref name="offset"/> (a replay's prefix).</summary>
        public void CopyTo(byte[] destination, int offset)
        {
            if (_count > 0)
            {
                Buffer.BlockCopy(_bytes!, 0, destination, offset, _count);
            }
        }

        public void AppendFin() => HasFin = true;

        /// <summary>Sends every held byte to <paramref name="destination"/>, then its FIN if one was held.</summary>
        public async Task SendToAsync(Socket destination, SocketAwaitableEventArgs args)
        {
            if (_count > 0)
            {
                await destination.SendAllAsync(args, _bytes!, 0, _count).ConfigureAwait(false);
            }
            if (HasFin)
            {
                destination.Shutdown(SocketShutdown.Send);
            }
        }

        /// <summary>Gives the array back to the pool; the buffer holds nothing afterwards.</summary>
        /// <summary>Empty again, as made (its array back to the pool; no FIN, not overflowed): for another connection.</summary>
        public void Reset()
        {
            Release();
            HasFin = false;
            Overflowed = false;
        }

        public void Release()
        {
            byte[]? bytes = _bytes;
            _bytes = null;
            _count = 0;
            if (bytes != null)
            {
                ArrayPool<byte>.Shared.Return(bytes);
            }
        }

        private void EnsureRoom(int needed)
        {
            if (_bytes != null && _bytes.Length >= needed)
            {
                return;
            }
            int size = Math.Min(Capacity, Math.Max(needed, Math.Max(SmallestArray, (_bytes?.Length ?? 0) * 2)));
            byte[] larger = ArrayPool<byte>.Shared.Rent(size);
            if (_bytes != null)
            {
                Buffer.BlockCopy(_bytes, 0, larger, 0, _count);
                ArrayPool<byte>.Shared.Return(_bytes);
            }
            _bytes = larger;
        }
    }
}
