using System;
using System.Collections.Generic;

namespace TcpLb.HelpBuilder
{
    /// <summary>
    /// The YAML header of a platyPS markdown file:
    /// <code>
    /// ---
    /// external help file: TcpLbModule.dll-Help.xml
    /// Module Name: TcpLbModule
    /// online version:
    /// schema: 2.0.0
    /// ---
    /// </code>
    /// Only flat "key: value" lines, as platyPS writes them.
    /// </summary>
    internal static class FrontMatter
    {
        public const string Section = "front matter";
        public const string ExternalHelpFile = "external help file";
        public const string ModuleName = "Module Name";
        public const string OnlineVersion = "online version";
        public const string Schema = "schema";
        public const string SupportedSchema = "2.0.0";

        private static readonly string[] RequiredKeys = { ExternalHelpFile, ModuleName, OnlineVersion, Schema };

        /// <param name="yaml">The lines between the '---' fences.</param>
        /// <param name="firstLine">1-based line number of the first of those lines.</param>
        public static Dictionary<string, string> Parse(string yaml, int firstLine, string file, List<HelpDiagnostic> errors)
        {
            var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            string[] lines = yaml.Replace("\r\n", "\n").Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i];
                if (line.Trim().Length == 0 || line.Trim() == "---" || line.TrimStart().StartsWith("#", StringComparison.Ordinal))
                {
                    continue;
                }
                int colon = line.IndexOf(':');
                if (colon <= 0)
                {
                    errors.Add(new HelpDiagnostic(file, firstLine + i, Section, $"expected 'key: value', found '{line.Trim()}'."));
                    continue;
                }
                string key = line.Substring(0, colon).Trim();
                string value = Unquote(line.Substring(colon + 1).Trim());
                if (values.ContainsKey(key))
                {
                    errors.Add(new HelpDiagnostic(file, firstLine + i, Section, $"'{key}' is given twice."));
                    continue;
                }
                values[key] = value;
            }

            foreach (string key in RequiredKeys)
            {
                if (!values.ContainsKey(key))
                {
                    errors.Add(new HelpDiagnostic(file, firstLine, Section, $"'{key}:' is missing (platyPS schema {SupportedSchema} needs {string.Join(", ", RequiredKeys)})."));
                }
            }
            if (values.TryGetValue(Schema, out string? schema) && schema != SupportedSchema)
            {
                errors.Add(new HelpDiagnostic(file, firstLine, Section, $"schema '{schema}' is not supported; use 'schema: {SupportedSchema}'."));
            }
            if (values.TryGetValue(ExternalHelpFile, out string? helpFile) && helpFile.Length == 0)
            {
                errors.Add(new HelpDiagnostic(file, firstLine, Section, "'external help file:' is empty; it names the MAML file, e.g. TcpLbModule.dll-Help.xml."));
            }
            return values;
        }

        private static string Unquote(string value)
        {
            if (value.Length >= 2 && (value[0] == '\'' || value[0] == '"') && value[value.Length - 1] == value[0])
            {
                return value.Substring(1, value.Length - 2);
            }
            return value;
        }
    }
}
