using System;
using System.IO;

namespace TcpLb.HelpBuilder
{
    /// <summary>
    /// Command line:
    /// <code>
    /// dotnet run --project src/TcpLb.HelpBuilder -- &lt;docsDir&gt; &lt;outputXmlPath&gt;   convert (and check)
    /// dotnet run --project src/TcpLb.HelpBuilder -- --check &lt;docsDir&gt;            check only
    /// </code>
    /// Exit codes: 0 success, 1 a doc has errors (listed on stderr as file(line): error ...),
    /// 2 bad command line.
    /// </summary>
    public static class Program
    {
        public const int Success = 0;
        public const int DocErrors = 1;
        public const int UsageError = 2;

        public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

        public static int Run(string[] args, TextWriter output, TextWriter error)
        {
            bool check = args.Length == 2 && string.Equals(args[0], "--check", StringComparison.Ordinal);
            bool convert = args.Length == 2 && !args[0].StartsWith("-", StringComparison.Ordinal);
            if (!check && !convert)
            {
                error.WriteLine("usage: TcpLb.HelpBuilder <docsDir> <outputXmlPath>");
                error.WriteLine("       TcpLb.HelpBuilder --check <docsDir>");
                return UsageError;
            }

            string docsDir = Path.GetFullPath(check ? args[1] : args[0]);
            HelpBuild.Result result = HelpBuild.ReadDocs(docsDir);
            foreach (HelpDiagnostic diagnostic in result.Errors)
            {
                error.WriteLine(diagnostic.ToString());
            }
            if (!result.Succeeded)
            {
                error.WriteLine($"TcpLb.HelpBuilder: {result.Errors.Count} error(s) in {docsDir}; help not written.");
                return DocErrors;
            }

            if (check)
            {
                output.WriteLine($"TcpLb.HelpBuilder: {result.Commands.Count} doc(s) in {docsDir} are valid.");
                return Success;
            }

            string outputPath = Path.GetFullPath(args[1]);
            bool written = HelpBuild.Write(result.Commands, outputPath);
            output.WriteLine($"TcpLb.HelpBuilder: {result.Commands.Count} command(s) -> {outputPath}{(written ? "" : " (unchanged)")}");
            return Success;
        }
    }
}
