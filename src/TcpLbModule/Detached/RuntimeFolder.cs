using System;
using System.IO;

namespace TcpLbModule.Detached
{
    /// <summary>
    /// The per-user folder that holds the detached servers' entries: $XDG_RUNTIME_DIR/TcpLbModule,
    /// else /tmp/TcpLbModule-&lt;uid&gt; on Linux and macOS; %LOCALAPPDATA%\TcpLbModule\run on Windows.
    /// On Unix the folder and every entry must be the current user's alone (owned by the effective
    /// uid, not a symbolic link, no group or other permission bits), checked on every use: a folder
    /// or entry someone else could have planted is refused, never adopted or repaired.
    /// </summary>
    internal static class RuntimeFolder
    {
        private const int OwnerOnly = 0x1C0; // 0700

        private const int OwnerReadWrite = 0x180; // 0600

        private const int GroupAndOther = 0x3F; // 0077

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

        /// <summary>The folder, created (0700) if needed; throws <see cref="UnsafeRegistryException"/> when it is not the user's alone.</summary>
        public static string Ensure()
        {
            string path = Path;
            if (!UnixNative.IsUnix)
            {
                Directory.CreateDirectory(path);
                return path;
            }
            UnixNative.MakeDirectory(path, OwnerOnly); // fails harmlessly when it exists; the check below decides
            if (Existing() == null)
            {
                throw new UnsafeRegistryException($"The runtime folder '{path}' of detached servers could not be created. Set XDG_RUNTIME_DIR to a folder of your own (mode 0700).", path);
            }
            return path;
        }

        /// <summary>The folder when it exists (null when not); throws <see cref="UnsafeRegistryException"/> when it is not the user's alone.</summary>
        public static string? Existing()
        {
            string path = Path;
            if (!UnixNative.IsUnix)
            {
                return Directory.Exists(path) ? path : null;
            }
            if (!UnixFileStatus.TryRead(path, out UnixFileStatus status))
            {
                return null;
            }
            string? why = WhyNotPrivate(status, directory: true);
            if (why != null)
            {
                string fix = status.IsDirectory && !status.IsSymbolicLink && status.Owner == UnixNative.GetEffectiveUid()
                    ? $"If you made it, run: chmod 700 '{path}'"
                    : $"Remove it (rm -r '{path}'; someone else may have planted it)";
                throw new UnsafeRegistryException($"The runtime folder '{path}' of detached servers {why}, so it is not trusted: no detached server is started, listed or stopped through it. {fix}, or set XDG_RUNTIME_DIR to a folder of your own (mode 0700).", path);
            }
            return path;
        }

        /// <summary>
        /// Checks an entry file before it is read: false when it is gone; throws
        /// <see cref="UnsafeRegistryException"/> when it is not the user's alone.
        /// </summary>
        public static bool CheckEntry(string file)
        {
            if (!UnixNative.IsUnix)
            {
                return File.Exists(file);
            }
            if (!UnixFileStatus.TryRead(file, out UnixFileStatus status))
            {
                return false;
            }
            string? why = WhyNotPrivate(status, directory: false);
            if (why != null)
            {
                throw new UnsafeRegistryException($"The detached server entry '{file}' {why}, so it is not trusted: no process is addressed or stopped through it. Remove it (rm '{file}'); the module writes its entries owned by you with mode 0600.", file);
            }
            return true;
        }

        /// <summary>Makes a file this user's alone (0600) before it becomes an entry.</summary>
        public static void MakeOwnerOnly(string file)
        {
            if (UnixNative.IsUnix && UnixNative.ChangeMode(file, OwnerReadWrite) != 0)
            {
                throw new UnauthorizedAccessException($"Cannot set mode 0600 on '{file}'.");
            }
        }

        /// <summary>Why a path is not the current user's alone, or null when it is.</summary>
        private static string? WhyNotPrivate(UnixFileStatus status, bool directory)
        {
            uint self = UnixNative.GetEffectiveUid();
            if (status.IsSymbolicLink)
            {
                return "is a symbolic link";
            }
            if (directory ? !status.IsDirectory : !status.IsRegularFile)
            {
                return directory ? "is not a folder" : "is not a regular file";
            }
            if (status.Owner != self)
            {
                return $"is owned by uid {status.Owner}, not by the current user (uid {self})";
            }
            if ((status.Permissions & GroupAndOther) != 0)
            {
                return "has mode " + Convert.ToString(status.Permissions, 8).PadLeft(4, '0') + ": group or others may use it";
            }
            return null;
        }
    }
}
