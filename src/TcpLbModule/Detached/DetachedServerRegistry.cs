using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;

namespace TcpLbModule.Detached
{
    /// <summary>
    /// The detached servers of the current user: one entry file per server in the runtime
    /// folder, named after the server (names are unique per user, case-insensitively). Entries
    /// whose process is gone are deleted when they are listed or looked up. The folder and each
    /// entry are checked to be the user's alone before they are read (see <see cref="RuntimeFolder"/>):
    /// an entry someone else could have written is an <see cref="UnsafeRegistryException"/>, never trusted.
    /// </summary>
    internal static class DetachedServerRegistry
    {
        private const string Extension = ".json";

        /// <summary>Of an entry's file name without its extension: well below the 255 bytes a file name may have, with room for the temp file's affixes.</summary>
        private const int LongestFileName = 200;

        /// <summary>The live servers of a kind (null: both) whose name matches the pattern (null: all), oldest first.</summary>
        public static List<DetachedTcpServer> Find(TcpServerKind? kind, WildcardPattern? name, Action<string>? verbose)
        {
            var found = new List<DetachedTcpServer>();
            string? folder = RuntimeFolder.Existing();
            if (folder == null)
            {
                return found;
            }
            foreach (string file in Directory.GetFiles(folder, "*" + Extension))
            {
                DetachedServerEntry? entry = ReadTrusted(file);
                if (entry == null)
                {
                    continue;
                }
                if (name != null && !name.IsMatch(entry.Name) || kind != null && !string.Equals(entry.Kind, kind.ToString(), StringComparison.Ordinal))
                {
                    continue;
                }
                string? stale = DetachedProcess.WhyStale(entry);
                if (stale != null)
                {
                    Delete(file);
                    DetachedPipeFiles.Delete(entry.PipeName);
                    DetachedJournal.Delete(entry.PipeName);
                    verbose?.Invoke($"Removed the entry of detached {entry.Kind.ToLowerInvariant()} '{entry.Name}' (pid {entry.Pid}, port {entry.Port}): {stale}.");
                    continue;
                }
                found.Add(new DetachedTcpServer(entry));
            }
            return found.OrderBy(s => s.StartedAt).ToList();
        }

        /// <summary>The live server of this exact name (any kind), or null.</summary>
        public static DetachedTcpServer? Get(string name, Action<string>? verbose)
            => Find(null, new WildcardPattern(WildcardPattern.Escape(name), WildcardOptions.IgnoreCase), verbose).FirstOrDefault();

        /// <summary>
        /// Writes the entry under its name, atomically (a temp file renamed, which fails when the
        /// name is taken); a stale entry of the same name is replaced. False: a live server has the name.
        /// </summary>
        public static bool TryAdd(DetachedServerEntry entry)
        {
            string folder = RuntimeFolder.Ensure();
            string file = FileOf(folder, entry.Name);
            string temp = WriteTemp(file, entry);
            try
            {
                for (int attempt = 0; attempt < 2; attempt++)
                {
                    try
                    {
                        File.Move(temp, file);
                        return true;
                    }
                    catch (IOException) when (File.Exists(file))
                    {
                        DetachedServerEntry? existing = ReadTrusted(file);
                        if (existing != null && DetachedProcess.WhyStale(existing) == null)
                        {
                            return false;
                        }
                        Delete(file);
                    }
                }
                return false;
            }
            finally
            {
                Delete(temp);
            }
        }

        /// <summary>
        /// Writes the entry of this server again (a reload changed what it shows), atomically, if the
        /// file is still the one this process wrote (an untrusted one is left alone).
        /// </summary>
        public static void Rewrite(DetachedServerEntry entry)
        {
            try
            {
                string? file = OwnEntryFile(entry.Name, entry.Pid);
                if (file == null)
                {
                    return;
                }
                string temp = WriteTemp(file, entry);
                try
                {
                    File.Replace(temp, file, null);
                }
                finally
                {
                    Delete(temp);
                }
            }
            catch (UnsafeRegistryException)
            {
                // Not ours to write: the next look-up reports it.
            }
        }

        /// <summary>The entry in an owner-only temp file beside its file, to be renamed over it.</summary>
        private static string WriteTemp(string file, DetachedServerEntry entry)
        {
            string temp = Path.Combine(Path.GetDirectoryName(file)!, "." + Path.GetFileName(file) + "." + entry.Pid.ToString(CultureInfo.InvariantCulture) + ".tmp");
            File.WriteAllText(temp, entry.ToJson(), new UTF8Encoding(false));
            RuntimeFolder.MakeOwnerOnly(temp);
            return temp;
        }

        /// <summary>Deletes the entry of this server, if it is still the one this process wrote (an untrusted one is left alone).</summary>
        public static void Remove(string name, int pid)
        {
            try
            {
                string? file = OwnEntryFile(name, pid);
                if (file != null)
                {
                    Delete(file);
                }
            }
            catch (UnsafeRegistryException)
            {
                // Not ours to delete: the next look-up reports it.
            }
        }

        /// <summary>
        /// The file of entry <paramref name="name"/> when it is still the one process <paramref name="pid"/>
        /// wrote (a trusted entry with that pid); null when there is none or it is another's. Throws
        /// <see cref="UnsafeRegistryException"/> for an entry or folder not to be trusted.
        /// </summary>
        private static string? OwnEntryFile(string name, int pid)
        {
            string? folder = RuntimeFolder.Existing();
            string? file = folder == null ? null : FileOf(folder, name);
            return file != null && ReadTrusted(file)?.Pid == pid ? file : null;
        }

        /// <summary>A server that has ended: its entry (if still its own) and its pipe's socket file are deleted.</summary>
        public static void Forget(DetachedServerEntry entry)
        {
            Remove(entry.Name, entry.Pid);
            DetachedPipeFiles.Delete(entry.PipeName);
            DetachedJournal.Delete(entry.PipeName);
        }

        /// <summary>Deletes every entry of this process (one that was killed before it could say its name); untrusted ones are left alone.</summary>
        public static void RemoveByPid(int pid)
        {
            try
            {
                string? folder = RuntimeFolder.Existing();
                if (folder == null)
                {
                    return;
                }
                foreach (string file in Directory.GetFiles(folder, "*" + Extension))
                {
                    if (ReadTrusted(file)?.Pid == pid)
                    {
                        Delete(file);
                    }
                }
            }
            catch (UnsafeRegistryException)
            {
                // Not ours to delete: the next look-up reports it.
            }
        }

        /// <summary>The entry in a file that is the user's alone; null when it is gone or not an entry; throws <see cref="UnsafeRegistryException"/> when it is not the user's alone.</summary>
        private static DetachedServerEntry? ReadTrusted(string file)
            => RuntimeFolder.CheckEntry(file) ? DetachedServerEntry.Read(file) : null;

        /// <summary>
        /// The file of a name: lower case, and every character but letters, digits, '-' and '_' as
        /// %xx (UTF-8); a name whose file name would pass <see cref="LongestFileName"/> characters
        /// (a long name in another script) keeps its start and ends with a hash of the whole name.
        /// </summary>
        private static string FileOf(string folder, string name)
        {
            var file = new StringBuilder();
            byte[] utf8 = Encoding.UTF8.GetBytes(name.ToLowerInvariant());
            foreach (byte b in utf8)
            {
                char c = (char)b;
                if (c < 0x80 && (char.IsLetterOrDigit(c) || c == '-' || c == '_'))
                {
                    file.Append(c);
                }
                else
                {
                    file.Append('%').Append(b.ToString("x2", CultureInfo.InvariantCulture));
                }
            }
            if (file.Length > LongestFileName)
            {
                using (var sha = System.Security.Cryptography.SHA256.Create())
                {
                    string hash = BitConverter.ToString(sha.ComputeHash(utf8), 0, 16).Replace("-", "").ToLowerInvariant();
                    file.Length = LongestFileName - hash.Length - 1;
                    file.Append('~').Append(hash);
                }
            }
            return Path.Combine(folder, file + Extension);
        }

        private static void Delete(string file)
        {
            try
            {
                File.Delete(file);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                // Someone else removed or holds it; the next look-up tries again.
            }
        }
    }
}
