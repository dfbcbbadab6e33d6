using System;
using System.Collections.Generic;
using System.IO;

namespace TcpLbModule.Detached
{
    /// <summary>
    /// The remoting pipes of detached servers (pwsh -CustomPipeName TcpLb_…): on Linux and macOS
    /// .NET makes each a Unix domain socket file, CoreFxPipe_TcpLb_…, in the temp folder, and
    /// leaves it there when the process ends. A server deletes its own as it ends; whoever finds
    /// one whose server is gone (killed) deletes it too. Only the current user's files are touched.
    /// </summary>
    internal static class DetachedPipeFiles
    {
        private const string FilePrefix = "CoreFxPipe_";

        private const string NamePrefix = "TcpLb_";

        /// <summary>Lists the Unix domain sockets that are bound, with their paths (Linux).</summary>
        private const string BoundSockets = "/proc/net/unix";

        /// <summary>A new pipe name for a detached server.</summary>
        public static string NewName() => NamePrefix + Guid.NewGuid().ToString("N").Substring(0, 16);

        /// <summary>Where .NET puts a named pipe on Linux and macOS: a Unix domain socket in the temp folder.</summary>
        public static string PathOf(string pipeName) => Path.Combine(Path.GetTempPath(), FilePrefix + pipeName);

        /// <summary>Deletes the socket file of a pipe, if it is one of this user's (the server is gone or going).</summary>
        public static void Delete(string pipeName)
        {
            if (UnixNative.IsUnix && pipeName.StartsWith(NamePrefix, StringComparison.Ordinal))
            {
                DeleteIfOwnSocket(PathOf(pipeName));
            }
        }

        /// <summary>
        /// Linux: deletes this user's CoreFxPipe_TcpLb_* files that no socket is bound to any more
        /// (their server was killed before it could delete its own). The pipes of live registered
        /// servers are spared: PowerShell reopens a pipe after each client, and a file caught
        /// between its old socket's close and its unlink would otherwise take the new one's place.
        /// </summary>
        public static void SweepStale(ICollection<string> livePipeNames)
        {
            if (!UnixNative.IsUnix || !File.Exists(BoundSockets))
            {
                return;
            }
            try
            {
                string[] files = Directory.GetFiles(Path.GetTempPath(), FilePrefix + NamePrefix + "*");
                if (files.Length == 0)
                {
                    return;
                }
                HashSet<string> bound = BoundPaths();
                foreach (string file in files)
                {
                    string pipeName = Path.GetFileName(file).Substring(FilePrefix.Length);
                    if (!bound.Contains(file) && !livePipeNames.Contains(pipeName))
                    {
                        DeleteIfOwnSocket(file);
                    }
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                // The temp folder or /proc could not be read: the next start tries again.
            }
        }

        /// <summary>The paths of bound Unix domain sockets: the last of /proc/net/unix's eight columns.</summary>
        private static HashSet<string> BoundPaths()
        {
            var paths = new HashSet<string>(StringComparer.Ordinal);
            foreach (string line in File.ReadAllLines(BoundSockets))
            {
                string[] columns = line.Split(new[] { ' ' }, 8, StringSplitOptions.RemoveEmptyEntries);
                if (columns.Length == 8)
                {
                    paths.Add(columns[7]);
                }
            }
            return paths;
        }

        private static void DeleteIfOwnSocket(string file)
        {
            try
            {
                if (UnixFileStatus.TryRead(file, out UnixFileStatus status) && status.IsSocket && status.Owner == UnixNative.GetEffectiveUid())
                {
                    File.Delete(file);
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                // Gone meanwhile, or not ours.
            }
        }
    }
}
