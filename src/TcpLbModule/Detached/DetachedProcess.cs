using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;

namespace TcpLbModule.Detached
{
    /// <summary>The process behind a registry entry: is it still the one that wrote it, and ending it.</summary>
    internal static class DetachedProcess
    {
        /// <summary>Start times read twice for one process may differ by the clock's rounding.</summary>
        private static readonly TimeSpan StartTimeTolerance = TimeSpan.FromSeconds(1);

        public static string StartTimeOf(Process process) => process.StartTime.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture);

        /// <summary>
        /// Why the entry no longer describes a live server, or null when it does: its process is
        /// gone (or a zombie), or its pid now belongs to another process. The pipe's socket file is
        /// not a sign: PowerShell closes and reopens its pipe after each client, so the file is
        /// briefly missing while the server lives, and an entry deleted then would orphan it.
        /// </summary>
        public static string? WhyStale(DetachedServerEntry entry)
        {
            Process process;
            try
            {
                process = Process.GetProcessById(entry.Pid);
            }
            catch (ArgumentException)
            {
                return $"process {entry.Pid} has exited";
            }
            using (process)
            {
                try
                {
                    if (process.HasExited || IsZombie(entry.Pid))
                    {
                        return $"process {entry.Pid} has exited";
                    }
                    DateTime recorded = DateTime.Parse(entry.ProcessStartTime, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind).ToUniversalTime();
                    if ((process.StartTime.ToUniversalTime() - recorded).Duration() > StartTimeTolerance)
                    {
                        return $"pid {entry.Pid} now belongs to another process";
                    }
                }
                catch (Exception e) when (e is InvalidOperationException || e is FormatException || e is System.ComponentModel.Win32Exception)
                {
                    return $"process {entry.Pid} cannot be checked ({e.Message})";
                }
            }
            return null;
        }

        /// <summary>
        /// Waits until the process has exited (or is a zombie nobody reaps); false when it is still
        /// running at the deadline.
        /// </summary>
        public static bool WaitForExit(int pid, TimeSpan timeout)
        {
            DateTime deadline = DateTime.UtcNow + timeout;
            try
            {
                using (Process process = Process.GetProcessById(pid))
                {
                    while (!IsZombie(pid))
                    {
                        if (Directory.Exists("/proc/self") && !Directory.Exists("/proc/" + pid.ToString(CultureInfo.InvariantCulture)))
                        {
                            return true; // reaped
                        }
                        TimeSpan left = deadline - DateTime.UtcNow;
                        if (left <= TimeSpan.Zero)
                        {
                            return false;
                        }
                        // Short waits: the exit of a process that is not our child is not signalled on every platform.
                        if (process.WaitForExit((int)Math.Min(100, Math.Max(1, left.TotalMilliseconds))))
                        {
                            if (!StillListed(pid))
                            {
                                return true;
                            }
                            // .NET saw the exit before /proc let go of the process: give it a moment.
                            System.Threading.Thread.Sleep(20);
                        }
                    }
                    return true;
                }
            }
            catch (ArgumentException)
            {
                return true; // already gone
            }
        }

        public static void Kill(int pid)
        {
            try
            {
                using (Process process = Process.GetProcessById(pid))
                {
                    process.Kill();
                }
            }
            catch (Exception e) when (e is ArgumentException || e is InvalidOperationException || e is System.ComponentModel.Win32Exception)
            {
                // Gone already.
            }
        }

        /// <summary>
        /// Linux: the process still has a live entry in /proc. Seen under load: WaitForExit said the
        /// process had exited while /proc still listed it running, so Stop returned too early.
        /// </summary>
        private static bool StillListed(int pid)
            => Directory.Exists("/proc/" + pid.ToString(CultureInfo.InvariantCulture)) && !IsZombie(pid);

        /// <summary>
        /// Linux: the process is dead but not reaped ('Z' or 'X'), and all of it: a killed
        /// thread-group leader shows 'Z' while its other threads still exit and hold its sockets,
        /// so it counts only once /proc lists no thread but the leader.
        /// </summary>
        private static bool IsZombie(int pid)
        {
            string folder = "/proc/" + pid.ToString(CultureInfo.InvariantCulture);
            try
            {
                string stat = File.ReadAllText(folder + "/stat");
                int close = stat.LastIndexOf(')');
                bool dead = close > 0 && close + 2 < stat.Length && (stat[close + 2] == 'Z' || stat[close + 2] == 'X');
                return dead && Directory.GetDirectories(folder + "/task").Length <= 1;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                // Gone, or going: only a process /proc no longer lists has surely exited.
                return false;
            }
        }
    }
}
