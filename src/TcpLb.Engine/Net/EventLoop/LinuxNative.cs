using System;
using System.Runtime.InteropServices;

namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>
    /// The libc calls the event loop makes, declared by hand. The engine targets netstandard2.0
    /// (one assembly for Windows PowerShell 5.1 and PowerShell 7), where the LibraryImport source
    /// generator does not exist; every signature here is blittable (ints, longs, pointers), so
    /// the runtime's stub only records errno (SetLastError) and marshals nothing. The constants
    /// are Linux's generic ABI values, the same on x86-64 and arm64. Only the loop uses these:
    /// a descriptor made here is never wrapped in a .NET Socket, so .NET's own epoll thread
    /// never sees it.
    /// </summary>
    internal static unsafe class LinuxNative
    {
        private const string Libc = "libc"; // the runtime maps "libc" to libc.so.6 on Linux

        public const int ENOENT = 2;
        public const int EINTR = 4;
        public const int EAGAIN = 11;
        public const int ENOMEM = 12;
        public const int ENFILE = 23;
        public const int EMFILE = 24;
        public const int EPIPE = 32;
        public const int EADDRINUSE = 98;
        public const int ECONNABORTED = 103;
        public const int ECONNRESET = 104;
        public const int ENOBUFS = 105;
        public const int ETIMEDOUT = 110;
        public const int ECONNREFUSED = 111;
        public const int EINPROGRESS = 115;
        public const int EBUSY = 16;

        public const int AF_INET = 2;
        public const int AF_INET6 = 10;
        public const int SOCK_STREAM = 1;
        public const int SOCK_NONBLOCK = 0x800;
        public const int SOCK_CLOEXEC = 0x80000;
        public const int SOL_SOCKET = 1;
        public const int SO_REUSEADDR = 2;
        public const int SO_ERROR = 4;
        public const int SO_SNDBUF = 7;
        public const int SO_RCVBUF = 8;
        public const int SO_LINGER = 13;
        public const int SO_REUSEPORT = 15;
        public const int SO_ATTACH_REUSEPORT_CBPF = 51;
        public const int SO_DETACH_REUSEPORT_BPF = 68;
        public const int IPPROTO_TCP = 6;
        public const int TCP_NODELAY = 1;
        public const int IPPROTO_IPV6 = 41;
        public const int IPV6_V6ONLY = 26;
        public const int SHUT_WR = 1;
        public const int SHUT_RDWR = 2;
        public const int MSG_PEEK = 0x2;
        public const int MSG_DONTWAIT = 0x40;
        public const int MSG_NOSIGNAL = 0x4000;

        public const int EPOLL_CLOEXEC = 0x80000;
        public const int EPOLL_CTL_ADD = 1;
        public const int EPOLL_CTL_DEL = 2;
        public const int EPOLL_CTL_MOD = 3;
        public const uint EPOLLIN = 0x1;
        public const uint EPOLLOUT = 0x4;
        public const uint EPOLLERR = 0x8;
        public const uint EPOLLHUP = 0x10;
        public const uint EPOLLRDHUP = 0x2000;
        public const uint EPOLLET = 0x80000000;

        public const int EFD_NONBLOCK = 0x800;
        public const int EFD_CLOEXEC = 0x80000;

        [DllImport(Libc, SetLastError = true)]
        public static extern int epoll_create1(int flags);

        /// <summary><paramref name="ev"/> points at one event laid out as <see cref="EpollEvents"/> says.</summary>
        [DllImport(Libc, SetLastError = true)]
        public static extern int epoll_ctl(int epfd, int op, int fd, byte* ev);

        [DllImport(Libc, SetLastError = true)]
        public static extern int epoll_wait(int epfd, byte* events, int maxevents, int timeout);

        [DllImport(Libc, SetLastError = true)]
        public static extern int eventfd(uint initval, int flags);

        [DllImport(Libc, SetLastError = true)]
        public static extern int socket(int domain, int type, int protocol);

        [DllImport(Libc, SetLastError = true)]
        public static extern int bind(int fd, byte* addr, int addrlen);

        [DllImport(Libc, SetLastError = true)]
        public static extern int listen(int fd, int backlog);

        [DllImport(Libc, SetLastError = true)]
        public static extern int accept4(int fd, byte* addr, int* addrlen, int flags);

        [DllImport(Libc, SetLastError = true)]
        public static extern int connect(int fd, byte* addr, int addrlen);

        [DllImport(Libc, SetLastError = true)]
        public static extern int getsockname(int fd, byte* addr, int* addrlen);

        [DllImport(Libc, SetLastError = true)]
        public static extern int getpeername(int fd, byte* addr, int* addrlen);

        [DllImport(Libc, SetLastError = true)]
        public static extern int setsockopt(int fd, int level, int optname, void* optval, int optlen);

        [DllImport(Libc, SetLastError = true)]
        public static extern int getsockopt(int fd, int level, int optname, void* optval, int* optlen);

        [DllImport(Libc, SetLastError = true)]
        public static extern IntPtr recv(int fd, byte* buf, IntPtr len, int flags);

        [DllImport(Libc, SetLastError = true)]
        public static extern IntPtr send(int fd, byte* buf, IntPtr len, int flags);

        [DllImport(Libc, SetLastError = true)]
        public static extern IntPtr read(int fd, void* buf, IntPtr count);

        [DllImport(Libc, SetLastError = true)]
        public static extern IntPtr write(int fd, void* buf, IntPtr count);

        [DllImport(Libc, SetLastError = true)]
        public static extern int shutdown(int fd, int how);

        [DllImport(Libc, SetLastError = true)]
        public static extern int close(int fd);

        public const int PROT_READ = 0x1;
        public const int PROT_WRITE = 0x2;
        public const int MAP_SHARED = 0x01;
        public const int MAP_POPULATE = 0x8000;

        [DllImport(Libc, SetLastError = true)]
        public static extern void* mmap(void* addr, IntPtr length, int prot, int flags, int fd, long offset);

        [DllImport(Libc, SetLastError = true)]
        public static extern int munmap(void* addr, IntPtr length);

        /// <summary>A system call by number (io_uring has no libc wrapper); six arguments, as the kernel takes them.</summary>
        [DllImport(Libc, SetLastError = true)]
        public static extern long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

        /// <summary>The calling thread's kernel id (glibc 2.30 and later): its /proc/self/task entry.</summary>
        [DllImport(Libc)]
        public static extern int gettid();

        /// <summary>
        /// Reads clock <paramref name="clockId"/> into <paramref name="timespec"/> (seconds, then
        /// nanoseconds: two longs on a 64-bit Linux).
        /// </summary>
        [DllImport(Libc, SetLastError = true)]
        public static extern int clock_gettime(int clockId, long* timespec);

        /// <summary>
        /// The clock of how long thread <paramref name="threadId"/> of this process has run on a CPU
        /// (the kernel's MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED), as glibc's pthread_getcpuclockid
        /// makes it). A thread that no longer exists reads as EINVAL, not as another's.
        /// </summary>
        public static int ThreadCpuClock(int threadId) => (~threadId << 3) | CpuClockPerThread | CpuClockSched;

        /// <summary>The highest thread id Linux hands out (PID_MAX_LIMIT on 64-bit); a larger one would not fit in <see cref="ThreadCpuClock"/>.</summary>
        public const int MaxThreadId = 4 * 1024 * 1024;

        private const int CpuClockSched = 2;
        private const int CpuClockPerThread = 4;

        /// <summary>errno of the last call above on this thread.</summary>
        public static int Errno => Marshal.GetLastWin32Error();

        /// <summary>Whether this process can use the loop: Linux, 64-bit, an epoll_event layout we know.</summary>
        public static bool IsSupported
            => RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && IntPtr.Size == 8 && EpollEvents.Size != 0;
    }
}
