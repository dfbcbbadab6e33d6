using System.Runtime.InteropServices;
using static TcpLb.Engine.Net.EventLoop.LinuxNative;

namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>
    /// Which listener of a SO_REUSEPORT group the kernel gives each new connection: a classic BPF
    /// program on the group (SO_ATTACH_REUSEPORT_CBPF) that returns a listener's index, the order in
    /// which the group's sockets were bound. Steering to the first <c>count</c> listeners lets a
    /// group keep some loops out of accepting without closing their listeners (closing one would
    /// reset the connections in its queue) and without handing each connection across threads.
    /// With every listener chosen the program is removed and the kernel's hash spreads again.
    /// </summary>
    internal static unsafe class ReusePortSteering
    {
        // Classic BPF: ld [random] (an ancillary load), a %= count, return a; or return 0.
        private const ushort LoadWordAbsolute = 0x20; // BPF_LD | BPF_W | BPF_ABS
        private const ushort ModuloConstant = 0x94;   // BPF_ALU | BPF_MOD | BPF_K
        private const ushort ReturnA = 0x16;          // BPF_RET | BPF_A
        private const ushort ReturnConstant = 0x06;   // BPF_RET | BPF_K
        private const uint AncillaryRandom = unchecked((uint)(-0x1000 + 56)); // SKF_AD_OFF + SKF_AD_RANDOM

        [StructLayout(LayoutKind.Sequential)]
        private struct SockFilter
        {
            public ushort Code;
            public byte JumpTrue;
            public byte JumpFalse;
            public uint K;

            public SockFilter(ushort code, uint k)
            {
                Code = code;
                JumpTrue = 0;
                JumpFalse = 0;
                K = k;
            }
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct SockFilterProgram
        {
            public ushort Length;
            public SockFilter* Filter;
        }

        /// <summary>
        /// New connections of the group that <paramref name="fd"/> belongs to go to its first
        /// <paramref name="count"/> listeners, at random among them (all <paramref name="total"/>:
        /// the kernel's own hash). 0, or the errno when the kernel refuses.
        /// </summary>
        public static int Steer(int fd, int count, int total)
        {
            if (count >= total)
            {
                int unused = 0; // the kernel takes no value but wants room for an int
                if (setsockopt(fd, SOL_SOCKET, SO_DETACH_REUSEPORT_BPF, &unused, sizeof(int)) == 0)
                {
                    return 0;
                }
                int errno = Errno;
                return errno == ENOENT ? 0 : errno; // none attached: already the kernel's hash
            }
            SockFilter* program = stackalloc SockFilter[3];
            ushort length;
            if (count <= 1)
            {
                program[0] = new SockFilter(ReturnConstant, 0);
                length = 1;
            }
            else
            {
                program[0] = new SockFilter(LoadWordAbsolute, AncillaryRandom);
                program[1] = new SockFilter(ModuloConstant, (uint)count);
                program[2] = new SockFilter(ReturnA, 0);
                length = 3;
            }
            var filter = new SockFilterProgram { Length = length, Filter = program };
            return setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &filter, sizeof(SockFilterProgram)) == 0 ? 0 : Errno;
        }
    }
}
