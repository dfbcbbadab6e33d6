namespace TcpLb.HelpBuilder
{
    /// <summary>
    /// A problem in a help markdown file: which file, which line, which section, and what is wrong.
    /// <see cref="ToString"/> uses the canonical "file(line): error CODE: text" form, so MSBuild
    /// (and editors) report it as an error at that place.
    /// </summary>
    internal sealed class HelpDiagnostic
    {
        public const string Code = "TCPLBHELP";

        public HelpDiagnostic(string file, int line, string section, string message)
        {
            File = file;
            Line = line;
            Section = section;
            Message = message;
        }

        public string File { get; }

        /// <summary>1-based; 0 when the problem is the file as a whole (e.g. a missing section).</summary>
        public int Line { get; }

        /// <summary>e.g. "SYNOPSIS", "PARAMETERS -Port", "front matter".</summary>
        public string Section { get; }

        public string Message { get; }

        public override string ToString()
        {
            string where = Line > 0 ? $"{File}({Line})" : File;
            return $"{where}: error {Code}: [{Section}] {Message}";
        }
    }
}
