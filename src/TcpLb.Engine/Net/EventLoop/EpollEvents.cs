using System.Runtime.InteropServices;

namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>
    /// The layout of <c>struct epoll_event</c> { uint32 events; uint64 data; }: the kernel packs it
    /// on x86-64 (12 bytes, data at offset 4) and aligns it elsewhere (arm64: 16 bytes, data at 8).
    /// Events are read and written through these offsets, never through a C# struct whose layout
    /// would be right on one architecture only.
    /// </summary>
    internal static unsafe class EpollEvents
    {
        /// <summary>Bytes per event; 0 on an architecture whose layout is not known here.</summary>
        public static readonly int Size;

        private static readonly int DataOffset;

        static EpollEvents()
        {
            switch (RuntimeInformation.ProcessArchitecture)
            {
                case Architecture.X64:
                    Size = 12;
                    DataOffset = 4;
                    break;
                case Architecture.Arm64:
                    Size = 16;
                    DataOffset = 8;
                    break;
                default:
                    Size = 0;
                    DataOffset = 0;
                    break;
            }
        }

        public static uint EventsAt(byte* events, int index) => *(uint*)(events + (index * Size));

        public static ulong DataAt(byte* events, int index) => *(ulong*)(events + (index * Size) + DataOffset);

        /// <summary>Fills one event (in a buffer of at least <see cref="Size"/> bytes).</summary>
        public static void Write(byte* ev, uint events, ulong data)
        {
            *(uint*)ev = events;
            *(ulong*)(ev + DataOffset) = data;
        }
    }
}
