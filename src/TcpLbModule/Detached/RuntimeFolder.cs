using System;
using System.IO;

namespace TcpLbModule.Detached
{
    /// <summary>
    /// The per-user folder that holds the detached servers' entries: $XDG_RUNTIME_DIR/TcpLbModule,
    /// else /tmp/TcpLbModule-&lt;uid&gt; (mode 0700, owned by the user) on Linux and macOS;
    /// %LOCALAPPDATA%\TcpLbModule\run on Windows.
    /// </summary>
    internal static class RuntimeFolder
    {
        private const int OwnerOnly = 0x1C0; // 0700

        public static string Path
        {
            get
            {
                if (!UnixNative.IsUnix)
                {
                    return System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "TcpLbModule", "run");
                }
                string? runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
                return string.IsNullOrEmpty(runtime)
                    ? "/tmp/TcpLbModule-" + UnixNative.GetUid()
                    : System.IO.Path.Combine(runtime, "TcpLbModule");
            }
        }

        /// <summary>The folder, created if needed; on Unix made (and checked to be) the user's own, 0700.</summary>
        public static string Ensure()
        {
            string path = Path;
            if (!UnixNative.IsUnix)
            {
                Directory.CreateDirectory(path);
                return path;
            }
            UnixNative.MakeDirectory(path, OwnerOnly); // fails harmlessly when it exists
            // chmod succeeds only for the owner: a folder someone else made in /tmp is refused.
            if (!Directory.Exists(path) || UnixNative.ChangeMode(path, OwnerOnly) != 0)
            {
                throw new UnauthorizedAccessException($"The runtime folder '{path}' of detached servers is not a folder of the current user. Remove it, or set XDG_RUNTIME_DIR to a folder of your own.");
            }
            return path;
        }
    }
}
