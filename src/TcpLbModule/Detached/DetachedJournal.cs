using System;
using System.Collections;
using System.IO;
using System.Management.Automation;
using System.Text;

namespace TcpLbModule.Detached
{
    /// <summary>
    /// What a detached server's job writes (output, errors, warnings, verbose, debug and
    /// information records), one line per record in a journal beside its registry entry: any
    /// process of the user reads it for Get-Job and Receive-Job without opening the server's
    /// pipe, which serves one client at a time. A line is "&lt;sequence&gt; &lt;stream&gt; &lt;base64&gt;";
    /// the first line of a file names its generation. A file holds at most
    /// <see cref="RecordsPerFile"/> records: the writer then keeps it as the old file and starts a
    /// new generation, so at most twice that many are kept.
    /// </summary>
    internal static class DetachedJournal
    {
        public const int RecordsPerFile = 500;

        public const char Output = 'O';
        public const char Error = 'E';
        public const char Warning = 'W';
        public const char Verbose = 'V';
        public const char Debug = 'D';
        public const char Information = 'I';

        /// <summary>The job's final state (the server has ended): the last line.</summary>
        public const char Final = 'S';

        public const string GenerationPrefix = "# ";

        public static string PathOf(string folder, string pipeName) => Path.Combine(folder, pipeName + ".journal");

        public static string OldPathOf(string path) => path + ".old";

        /// <summary>Deletes a server's journal (it has ended, or its process is gone).</summary>
        public static void Delete(string pipeName)
        {
            try
            {
                string? folder = RuntimeFolder.Existing();
                if (folder != null)
                {
                    string path = PathOf(folder, pipeName);
                    File.Delete(path);
                    File.Delete(OldPathOf(path));
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is UnsafeRegistryException)
            {
                // Not ours to delete, or gone already.
            }
        }

        /// <summary>One record as a line (without its end of line).</summary>
        public static string Format(long sequence, char stream, object record)
        {
            string payload;
            switch (stream)
            {
                case Output:
                    payload = PSSerializer.Serialize(record, 2);
                    break;
                case Error:
                    var error = (ErrorRecord)record;
                    payload = PSSerializer.Serialize(new Hashtable
                    {
                        ["Message"] = error.ErrorDetails?.Message ?? error.Exception.Message,
                        ["Id"] = error.FullyQualifiedErrorId,
                        ["Category"] = error.CategoryInfo.Category.ToString(),
                        ["Target"] = error.TargetObject?.ToString(),
                    });
                    break;
                case Information:
                    var information = (InformationRecord)record;
                    payload = PSSerializer.Serialize(new Hashtable
                    {
                        ["Message"] = information.MessageData?.ToString(),
                        ["Source"] = information.Source,
                    });
                    break;
                default:
                    payload = record.ToString() ?? "";
                    break;
            }
            return sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) + " " + stream + " " + Convert.ToBase64String(Encoding.UTF8.GetBytes(payload));
        }

        /// <summary>A line back as its sequence, stream and record (null: not a record line).</summary>
        public static bool TryParse(string line, out long sequence, out char stream, out object? record)
        {
            sequence = 0;
            stream = '\0';
            record = null;
            string[] parts = line.Split(' ');
            if (parts.Length != 3 || parts[1].Length != 1 || !long.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out sequence))
            {
                return false;
            }
            stream = parts[1][0];
            string payload;
            try
            {
                payload = Encoding.UTF8.GetString(Convert.FromBase64String(parts[2]));
            }
            catch (FormatException)
            {
                return false;
            }
            switch (stream)
            {
                case Output:
                    record = PSSerializer.Deserialize(payload);
                    return true;
                case Error:
                    var error = (Hashtable)PSObject.AsPSObject(PSSerializer.Deserialize(payload)).BaseObject;
                    Enum.TryParse((string)error["Category"], out ErrorCategory category);
                    record = new ErrorRecord(new InvalidOperationException((string)error["Message"]), (string)error["Id"], category, error["Target"]);
                    return true;
                case Information:
                    var information = (Hashtable)PSObject.AsPSObject(PSSerializer.Deserialize(payload)).BaseObject;
                    record = new InformationRecord(information["Message"], (string)information["Source"]);
                    return true;
                case Warning:
                    record = new WarningRecord(payload);
                    return true;
                case Verbose:
                    record = new VerboseRecord(payload);
                    return true;
                case Debug:
                    record = new DebugRecord(payload);
                    return true;
                case Final:
                    record = Enum.TryParse(payload, out JobState state) ? state : JobState.Stopped;
                    return true;
                default:
                    return false;
            }
        }
    }
}
