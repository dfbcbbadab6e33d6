using System;
using System.Runtime.InteropServices;

namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>
    /// Fixed-size native buffers for one loop (loop thread only, so no locks): a stack of free
    /// ones, at most <see cref="MaxRetained"/> kept, the rest freed on return. A relay direction
    /// holds at most one buffer and only while bytes are in flight, so what is rented is bounded
    /// by the busy connections, and an idle connection holds none. Native memory is never moved
    /// by the GC, so the kernel can read and write it without pinning.
    /// </summary>
    internal sealed unsafe class NativeBufferPool : IDisposable
    {
        /// <summary>
        /// Bytes per buffer unless a caller names another size: 64 KiB, the loopback MTU and the
        /// stream path's buffer. A bulk stream then moves 64 KiB per read and per send, where 16 KiB
        /// (HAProxy's <c>tune.bufsize</c>) took four times the calls (the measurements:
        /// docs/design/event-loop.md, "The buffer size"). Small exchanges do not mind: a read touches
        /// only the bytes it brings, and an idle connection holds no buffer.
        /// </summary>
        public const int DefaultBufferSize = 64 * 1024;

        /// <summary>Free buffers kept per loop unless a caller names another count: 256 of the default size is 16 MiB.</summary>
        public const int DefaultMaxRetained = 256;

        private readonly IntPtr[] _free;
        private int _freeCount;

        public NativeBufferPool(int bufferSize, int maxRetained)
        {
            if (bufferSize < 1024)
            {
                throw new ArgumentOutOfRangeException(nameof(bufferSize), bufferSize, "A loop buffer is at least 1024 bytes.");
            }
            BufferSize = bufferSize;
            MaxRetained = Math.Max(0, maxRetained);
            _free = new IntPtr[MaxRetained];
        }

        public int BufferSize { get; }

        public int MaxRetained { get; }

        /// <summary>Buffers rented and not returned (for tests and statistics).</summary>
        public int Rented { get; private set; }

        public byte* Rent()
        {
            Rented++;
            if (_freeCount > 0)
            {
                return (byte*)_free[--_freeCount];
            }
            return (byte*)Marshal.AllocHGlobal(BufferSize);
        }

        public void Return(byte* buffer)
        {
            Rented--;
            if (_freeCount < _free.Length)
            {
                _free[_freeCount++] = (IntPtr)buffer;
            }
            else
            {
                Marshal.FreeHGlobal((IntPtr)buffer);
            }
        }

        /// <summary>
        /// Whether a buffer rented here may be handed to <paramref name="other"/> with its bytes in
        /// it (a connection that moves to another loop): buffers are plain native blocks, so any two
        /// pools of the same size take each other's.
        /// </summary>
        public bool CanHandOver(NativeBufferPool other) => other.BufferSize == BufferSize;

        /// <summary>A rented buffer leaves this pool still in use (<see cref="Adopt"/> on the pool it goes to): counted out, not freed.</summary>
        public void Disown(byte* buffer) => Rented--;

        /// <summary>A buffer rented from another pool of the same size (<see cref="CanHandOver"/>) is counted as rented here, and returns here.</summary>
        public void Adopt(byte* buffer) => Rented++;

        public void Dispose()
        {
            while (_freeCount > 0)
            {
                Marshal.FreeHGlobal(_free[--_freeCount]);
            }
        }
    }
}
