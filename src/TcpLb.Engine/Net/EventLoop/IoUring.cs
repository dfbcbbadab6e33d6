using System;
using System.Threading;
using static TcpLb.Engine.Net.EventLoop.LinuxNative;

namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>
    /// A minimal io_uring of one loop thread, used only to batch non-blocking sends and receives:
    /// each is queued with MSG_DONTWAIT, so the kernel completes it during the submitting call (it
    /// never parks it to wait: a full socket answers -EAGAIN as send() would, an empty one as recv()
    /// would), and one io_uring_enter carries the calls of a whole batch of events instead of one
    /// system call each (<see cref="LoopCallBatch"/> says why). The ring's setup asks for a kernel of
    /// 6.0 or later (IORING_SETUP_SINGLE_ISSUER); an older one, or one that refuses io_uring, makes none.
    /// Created and used by one thread only (IORING_SETUP_SINGLE_ISSUER).
    /// </summary>
    internal sealed unsafe class IoUring : IDisposable
    {
        private const int SysIoUringSetup = 425; // the same number on x86-64 and arm64
        private const int SysIoUringEnter = 426;
        private const uint SetupSubmitAll = 1u << 7;
        private const uint SetupCoopTaskrun = 1u << 8;
        private const uint SetupSingleIssuer = 1u << 12;
        private const uint FeatSingleMmap = 1u << 0;
        private const long OffSqRing = 0; // and the completion ring with it (IORING_FEAT_SINGLE_MMAP)
        private const long OffSqes = 0x10000000;
        private const byte OpSend = 26;
        private const byte OpRecv = 27;
        private const int SqeSize = 64;
        private const int CqeSize = 16;

        private readonly int _fd;
        private readonly byte* _ring;
        private readonly long _ringSize;
        private readonly byte* _sqes;
        private readonly long _sqesSize;
        private readonly uint* _sqTail;
        private readonly uint _sqMask;
        private readonly uint* _sqArray;
        private readonly uint* _cqHead;
        private readonly uint* _cqTail;
        private readonly uint _cqMask;
        private readonly byte* _cqes;
        private uint _tail; // our copy of the SQ tail
        private int _queued; // SQEs written and not yet submitted
        private bool _disposed;

        private IoUring(int fd, byte* ring, long ringSize, byte* sqes, long sqesSize, byte* p)
        {
            _fd = fd;
            _ring = ring;
            _ringSize = ringSize;
            _sqes = sqes;
            _sqesSize = sqesSize;
            Entries = *(uint*)(p + 0);
            _sqTail = (uint*)(ring + *(uint*)(p + 44));
            _sqMask = *(uint*)(ring + *(uint*)(p + 48));
            _sqArray = (uint*)(ring + *(uint*)(p + 64));
            _cqHead = (uint*)(ring + *(uint*)(p + 80));
            _cqTail = (uint*)(ring + *(uint*)(p + 84));
            _cqMask = *(uint*)(ring + *(uint*)(p + 88));
            _cqes = ring + *(uint*)(p + 100);
            _tail = *_sqTail;
        }

        /// <summary>Submission slots: at most this many calls wait for one <see cref="Submit"/>.</summary>
        public uint Entries { get; }

        /// <summary>Calls queued and not yet submitted.</summary>
        public int Queued => _queued;

        public bool IsFull => _queued >= Entries;

        /// <summary>A ring for the calling thread, or null where the kernel refuses one (too old, or io_uring turned off).</summary>
        public static IoUring? TryCreate(uint entries)
        {
            byte* p = stackalloc byte[120];
            Clear(p, 120);
            *(uint*)(p + 8) = SetupSubmitAll | SetupCoopTaskrun | SetupSingleIssuer;
            int fd = (int)syscall(SysIoUringSetup, entries, (long)p, 0, 0, 0, 0);
            if (fd < 0)
            {
                return null;
            }
            uint features = *(uint*)(p + 20);
            if ((features & FeatSingleMmap) == 0)
            {
                close(fd);
                return null;
            }
            uint sqEntries = *(uint*)p;
            uint cqEntries = *(uint*)(p + 4);
            long sqRingSize = *(uint*)(p + 64) + sqEntries * 4L;
            long cqRingSize = *(uint*)(p + 100) + cqEntries * (long)CqeSize;
            long ringSize = Math.Max(sqRingSize, cqRingSize);
            byte* ring = Map(fd, ringSize, OffSqRing);
            if (ring == null)
            {
                close(fd);
                return null;
            }
            long sqesSize = sqEntries * (long)SqeSize;
            byte* sqes = Map(fd, sqesSize, OffSqes);
            if (sqes == null)
            {
                munmap(ring, (IntPtr)ringSize);
                close(fd);
                return null;
            }
            return new IoUring(fd, ring, ringSize, sqes, sqesSize, p);
        }

        /// <summary>Queues send(fd, buffer, length, MSG_DONTWAIT | MSG_NOSIGNAL); false when every slot is taken (submit first).</summary>
        public bool TryQueueSend(int fd, byte* buffer, int length, ulong userData) => TryQueue(OpSend, fd, buffer, length, MSG_DONTWAIT | MSG_NOSIGNAL, userData);

        /// <summary>Queues recv(fd, buffer, length, MSG_DONTWAIT); false when every slot is taken (submit first).</summary>
        public bool TryQueueReceive(int fd, byte* buffer, int length, ulong userData) => TryQueue(OpRecv, fd, buffer, length, MSG_DONTWAIT, userData);

        private bool TryQueue(byte opcode, int fd, byte* buffer, int length, int flags, ulong userData)
        {
            if (_queued >= Entries)
            {
                return false;
            }
            uint index = _tail & _sqMask;
            byte* sqe = _sqes + index * SqeSize;
            Clear(sqe, SqeSize);
            sqe[0] = opcode;
            *(int*)(sqe + 4) = fd;
            *(ulong*)(sqe + 16) = (ulong)buffer;
            *(uint*)(sqe + 24) = (uint)length;
            *(int*)(sqe + 28) = flags;
            *(ulong*)(sqe + 32) = userData;
            _sqArray[index] = index;
            _tail++;
            Volatile.Write(ref *_sqTail, _tail);
            _queued++;
            return true;
        }

        /// <summary>
        /// Hands every queued call to the kernel in one call; each has completed when it returns
        /// (MSG_DONTWAIT). 0, or the errno of a refused io_uring_enter: the calls are then taken back
        /// (<see cref="Queued"/> is 0 again, none was made).
        /// </summary>
        public int Submit()
        {
            while (_queued > 0)
            {
                long done = syscall(SysIoUringEnter, _fd, _queued, 0, 0, 0, 0);
                if (done < 0)
                {
                    int errno = Errno;
                    if (errno == EINTR || errno == EAGAIN || errno == EBUSY)
                    {
                        continue;
                    }
                    // Not consumed by the kernel (its head has not moved past them): withdrawn.
                    _tail -= (uint)_queued;
                    Volatile.Write(ref *_sqTail, _tail);
                    _queued = 0;
                    return errno;
                }
                _queued -= (int)done;
            }
            return 0;
        }

        /// <summary>Hands each completion to <paramref name="completed"/> (its user data and result: bytes moved or minus errno) and frees its slot.</summary>
        public int Reap<T>(ref T completed)
            where T : struct, ICompletionSink
        {
            uint head = *_cqHead;
            uint tail = Volatile.Read(ref *_cqTail);
            int count = 0;
            while (head != tail)
            {
                byte* cqe = _cqes + (head & _cqMask) * CqeSize;
                completed.Completed(*(ulong*)cqe, *(int*)(cqe + 8));
                head++;
                count++;
            }
            Volatile.Write(ref *_cqHead, head);
            return count;
        }

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            munmap(_sqes, (IntPtr)_sqesSize);
            munmap(_ring, (IntPtr)_ringSize);
            close(_fd);
        }

        private static void Clear(byte* at, int bytes)
        {
            for (int i = 0; i < bytes; i += 8)
            {
                *(ulong*)(at + i) = 0;
            }
        }

        private static byte* Map(int fd, long size, long offset)
        {
            byte* at = (byte*)mmap(null, (IntPtr)size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, offset);
            return at == (byte*)-1 ? null : at;
        }

        /// <summary>Where <see cref="Reap"/> delivers completions (a struct: no allocation, no delegate).</summary>
        internal interface ICompletionSink
        {
            void Completed(ulong userData, int result);
        }
    }
}
