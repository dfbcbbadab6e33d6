using System;
using System.Globalization;
using System.IO;

namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>
    /// What Linux's scheduler says of a thread of this process, read from /proc: how long it has run
    /// and waited on a run queue (its <c>schedstat</c>). <see cref="LoopPacker"/> reads how busy the
    /// loops are from it. A figure that cannot be read (no /proc, a kernel without schedstats) reads
    /// as false.
    /// </summary>
    internal static class SchedulerFigures
    {
        /// <summary>Nanoseconds thread <paramref name="threadId"/> of this process has run on a CPU and waited to run, since it started.</summary>
        public static bool TryReadThread(int threadId, out long runNanoseconds, out long waitNanoseconds)
        {
            runNanoseconds = 0;
            waitNanoseconds = 0;
            string? text = ReadFirstLine("/proc/self/task/" + threadId.ToString(CultureInfo.InvariantCulture) + "/schedstat");
            if (text == null)
            {
                return false;
            }
            string[] fields = text.Split(' ');
            return fields.Length >= 2
                && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out runNanoseconds)
                && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out waitNanoseconds);
        }

        private static string? ReadFirstLine(string path)
        {
            try
            {
                using var reader = new StreamReader(path);
                return reader.ReadLine();
            }
            catch (IOException)
            {
                return null;
            }
            catch (UnauthorizedAccessException)
            {
                return null;
            }
        }
    }
}
