using System.Runtime.InteropServices;

namespace TcpLbModule.Detached
{
    /// <summary>The few libc calls the detached servers need on Linux and macOS (netstandard2.0 has no managed ones).</summary>
    internal static class UnixNative
    {
        public static bool IsUnix => !RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        [DllImport("libc", EntryPoint = "getuid")]
        public static extern uint GetUid();

        /// <summary>A new session without a controlling terminal: the terminal's hangup and Ctrl+C no longer reach the process.</summary>
        [DllImport("libc", EntryPoint = "setsid")]
        public static extern int SetSid();

        [DllImport("libc", EntryPoint = "mkdir", SetLastError = true)]
        public static extern int MakeDirectory(string path, int mode);

        /// <summary>Succeeds only for the owner of the path (or root).</summary>
        [DllImport("libc", EntryPoint = "chmod", SetLastError = true)]
        public static extern int ChangeMode(string path, int mode);
    }
}
