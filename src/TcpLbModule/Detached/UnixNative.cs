using System.Runtime.InteropServices;

namespace TcpLbModule.Detached
{
    /// <summary>The few libc calls the detached servers need on Linux and macOS (netstandard2.0 has no managed ones).</summary>
    internal static class UnixNative
    {
        public static bool IsUnix => !RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        [DllImport("libc", EntryPoint = "getuid")]
        public static extern uint GetUid();

        /// <summary>The user whose rights the process has (root under sudo): the owner its files must have.</summary>
        [DllImport("libc", EntryPoint = "geteuid")]
        public static extern uint GetEffectiveUid();

        /// <summary>A new session without a controlling terminal: the terminal's hangup and Ctrl+C no longer reach the process.</summary>
        [DllImport("libc", EntryPoint = "setsid")]
        public static extern int SetSid();

        [DllImport("libc", EntryPoint = "mkdir", SetLastError = true)]
        public static extern int MakeDirectory(string path, int mode);

        /// <summary>Succeeds for the owner of the path, and always for root: no proof of ownership.</summary>
        [DllImport("libc", EntryPoint = "chmod", SetLastError = true)]
        public static extern int ChangeMode(string path, int mode);

        /// <summary>Linux (glibc 2.28+): statx, whose buffer has one layout on every architecture (see <see cref="UnixFileStatus"/>).</summary>
        [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
        public static extern int StatX(int directory, string path, int flags, uint mask, byte[] buffer);

        /// <summary>macOS on x86-64: lstat with 64-bit inodes.</summary>
        [DllImport("libc", EntryPoint = "lstat$INODE64", SetLastError = true)]
        public static extern int LStatInode64(string path, byte[] buffer);

        /// <summary>macOS on arm64: lstat (64-bit inodes only).</summary>
        [DllImport("libc", EntryPoint = "lstat", SetLastError = true)]
        public static extern int LStat(string path, byte[] buffer);
    }
}
