using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace TcpLb.HelpBuilder
{
    /// <summary>
    /// Reads and checks every cmdlet doc of a folder (*-*.md; about_*.md is not cmdlet help), and
    /// writes them as one MAML file. The output is written only when every doc is clean, and only
    /// when its content changed, so a failed build never leaves half-converted help behind.
    /// </summary>
    internal static class HelpBuild
    {
        public sealed class Result
        {
            public List<CommandHelp> Commands { get; } = new List<CommandHelp>();
            public List<HelpDiagnostic> Errors { get; } = new List<HelpDiagnostic>();
            public bool Succeeded => Errors.Count == 0;
        }

        /// <summary>The cmdlet docs of a folder, in ordinal name order (stable output).</summary>
        public static List<string> FindDocs(string docsDir) =>
            Directory.GetFiles(docsDir, "*-*.md")
                .Where(f => !Path.GetFileName(f).StartsWith("about_", StringComparison.OrdinalIgnoreCase))
                .OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal)
                .ToList();

        public static Result ReadDocs(string docsDir)
        {
            var result = new Result();
            if (!Directory.Exists(docsDir))
            {
                result.Errors.Add(new HelpDiagnostic(docsDir, 0, "docs", "the folder does not exist."));
                return result;
            }
            List<string> files = FindDocs(docsDir);
            if (files.Count == 0)
            {
                result.Errors.Add(new HelpDiagnostic(docsDir, 0, "docs", "no cmdlet docs (Verb-Noun.md) in the folder."));
                return result;
            }
            foreach (string file in files)
            {
                CommandHelp? command = ReadDoc(file, result.Errors);
                if (command != null)
                {
                    result.Commands.Add(command);
                }
            }
            return result;
        }

        /// <summary>Reads one doc and checks its SYNTAX against its PARAMETERS.</summary>
        public static CommandHelp? ReadDoc(string file, List<HelpDiagnostic> errors) =>
            Check(MarkdownHelpReader.ReadFile(file, errors), errors);

        public static CommandHelp? ReadDoc(string markdown, string file, List<HelpDiagnostic> errors) =>
            Check(MarkdownHelpReader.Read(markdown, file, errors), errors);

        /// <returns>True when the file was (re)written, false when it was already up to date.</returns>
        public static bool Write(IReadOnlyList<CommandHelp> commands, string outputPath)
        {
            string xml = MamlWriter.ToXml(commands);
            if (File.Exists(outputPath) && File.ReadAllText(outputPath) == xml)
            {
                // Same content: touch it, so the MSBuild incremental check sees it as up to date.
                File.SetLastWriteTimeUtc(outputPath, DateTime.UtcNow);
                return false;
            }
            string? directory = Path.GetDirectoryName(Path.GetFullPath(outputPath));
            if (directory != null)
            {
                Directory.CreateDirectory(directory);
            }
            string temporary = outputPath + ".tmp";
            File.WriteAllText(temporary, xml);
            File.Move(temporary, outputPath, overwrite: true);
            return true;
        }

        private static CommandHelp? Check(CommandHelp? command, List<HelpDiagnostic> errors)
        {
            if (command == null)
            {
                return null;
            }
            int before = errors.Count;
            SyntaxConsistency.Check(command, errors);
            return errors.Count > before ? null : command;
        }
    }
}
