using System;
using System.Runtime.InteropServices;

namespace TcpLbModule.Detached
{
    /// <summary>
    /// The owner, type and permission bits of a path itself (a symbolic link is not followed),
    /// read with statx on Linux and lstat on macOS. The buffers are read at fixed offsets: statx's
    /// layout is the same on every architecture, macOS's 64-bit-inode stat too.
    /// </summary>
    internal readonly struct UnixFileStatus
    {
        private const int TypeMask = 0xF000;
        private const int DirectoryType = 0x4000;
        private const int RegularFileType = 0x8000;
        private const int SymbolicLinkType = 0xA000;
        private const int SocketType = 0xC000;

        // Linux statx: AT_FDCWD, AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_MODE | STATX_UID; 256 bytes,
        // stx_uid at 20, stx_mode (16 bits) at 28.
        private const int AtCurrentDirectory = -100;
        private const int AtNoFollow = 0x100;
        private const uint TypeModeUid = 0x1 | 0x2 | 0x8;
        private const int StatXSize = 256;

        // macOS struct stat (64-bit inodes): st_mode (16 bits) at 4, st_uid at 16; 144 bytes.
        private const int MacStatSize = 144;

        private const int NoSuchFile = 2; // ENOENT on Linux and macOS

        private UnixFileStatus(uint owner, int mode)
        {
            Owner = owner;
            Mode = mode;
        }

        public uint Owner { get; }

        /// <summary>Type and permission bits (st_mode).</summary>
        public int Mode { get; }

        public int Permissions => Mode & 0xFFF;

        public bool IsSymbolicLink => (Mode & TypeMask) == SymbolicLinkType;

        public bool IsDirectory => (Mode & TypeMask) == DirectoryType;

        public bool IsRegularFile => (Mode & TypeMask) == RegularFileType;

        public bool IsSocket => (Mode & TypeMask) == SocketType;

        /// <summary>The status of the path itself; false when it does not exist. Other failures throw.</summary>
        public static bool TryRead(string path, out UnixFileStatus status)
        {
            status = default;
            int result;
            byte[] buffer;
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            {
                buffer = new byte[StatXSize];
                result = UnixNative.StatX(AtCurrentDirectory, path, AtNoFollow, TypeModeUid, buffer);
            }
            else if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
            {
                buffer = new byte[MacStatSize];
                result = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? UnixNative.LStat(path, buffer) : UnixNative.LStatInode64(path, buffer);
            }
            else
            {
                throw new PlatformNotSupportedException($"The owner of '{path}' cannot be checked on {RuntimeInformation.OSDescription}: detached servers need Linux, macOS or Windows.");
            }
            if (result != 0)
            {
                int error = Marshal.GetLastWin32Error();
                if (error == NoSuchFile)
                {
                    return false;
                }
                throw new UnauthorizedAccessException($"The owner of '{path}' cannot be checked (errno {error}).");
            }
            status = RuntimeInformation.IsOSPlatform(OSPlatform.Linux)
                ? new UnixFileStatus(BitConverter.ToUInt32(buffer, 20), BitConverter.ToUInt16(buffer, 28))
                : new UnixFileStatus(BitConverter.ToUInt32(buffer, 16), BitConverter.ToUInt16(buffer, 4));
            return true;
        }
    }
}
