using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace TcpLb.HelpBuilder
{
    /// <summary>
    /// Reads the ```yaml block under a '### -Name' parameter entry:
    /// <code>
    /// Type: Int32[]
    /// Parameter Sets: (All)
    /// Aliases:
    /// Accepted values: Identify, Echo        (optional)
    ///
    /// Required: True
    /// Position: 0
    /// Default value: None
    /// Accept pipeline input: True (ByPropertyName, ByValue)
    /// Accept wildcard characters: False
    /// </code>
    /// Every key but "Accepted values" (and platyPS's "Applicable") must be there, each once, with
    /// a value of the right shape; anything else is an error naming the parameter and the line.
    /// </summary>
    internal static class ParameterYaml
    {
        public const string Type = "Type";
        public const string ParameterSets = "Parameter Sets";
        public const string Aliases = "Aliases";
        public const string AcceptedValues = "Accepted values";
        public const string Required = "Required";
        public const string Position = "Position";
        public const string DefaultValue = "Default value";
        public const string AcceptPipelineInput = "Accept pipeline input";
        public const string AcceptWildcardCharacters = "Accept wildcard characters";
        public const string Applicable = "Applicable";

        private static readonly string[] RequiredKeys =
        {
            Type, ParameterSets, Aliases, Required, Position, DefaultValue, AcceptPipelineInput, AcceptWildcardCharacters,
        };

        private static readonly string[] KnownKeys = RequiredKeys.Concat(new[] { AcceptedValues, Applicable }).ToArray();

        private static readonly string[] PipelineKinds = { "ByValue", "ByPropertyName", "FromRemainingArguments" };

        /// <param name="yaml">The block's text.</param>
        /// <param name="firstLine">1-based line number of the block's first text line.</param>
        /// <returns>The metadata, or null when the block is malformed (the errors say why).</returns>
        public static ParameterMetadata? Parse(string yaml, int firstLine, string file, string section, List<HelpDiagnostic> errors)
        {
            int errorCount = errors.Count;
            var values = new Dictionary<string, (string Value, int Line)>(StringComparer.OrdinalIgnoreCase);
            string[] lines = yaml.Replace("\r\n", "\n").Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i];
                int lineNumber = firstLine + i;
                if (line.Trim().Length == 0)
                {
                    continue;
                }
                int colon = line.IndexOf(':');
                if (colon <= 0)
                {
                    errors.Add(new HelpDiagnostic(file, lineNumber, section, $"yaml: expected 'key: value', found '{line.Trim()}'."));
                    continue;
                }
                string key = line.Substring(0, colon).Trim();
                string value = line.Substring(colon + 1).Trim();
                string? known = KnownKeys.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
                if (known == null)
                {
                    errors.Add(new HelpDiagnostic(file, lineNumber, section, $"yaml: unknown key '{key}'. Known keys: {string.Join(", ", KnownKeys)}."));
                    continue;
                }
                if (values.ContainsKey(known))
                {
                    errors.Add(new HelpDiagnostic(file, lineNumber, section, $"yaml: '{known}' is given twice."));
                    continue;
                }
                values[known] = (value, lineNumber);
            }

            foreach (string key in RequiredKeys)
            {
                if (!values.ContainsKey(key))
                {
                    errors.Add(new HelpDiagnostic(file, firstLine, section, $"yaml: '{key}:' is missing."));
                }
            }
            if (errors.Count > errorCount)
            {
                return null;
            }

            var metadata = new ParameterMetadata { Line = firstLine };

            metadata.Type = values[Type].Value;
            if (metadata.Type.Length == 0)
            {
                errors.Add(new HelpDiagnostic(file, values[Type].Line, section, "yaml: 'Type:' is empty; give the parameter's type, e.g. Int32 or SwitchParameter."));
            }

            metadata.ParameterSets.AddRange(SplitList(values[ParameterSets].Value));
            if (metadata.ParameterSets.Count == 0)
            {
                errors.Add(new HelpDiagnostic(file, values[ParameterSets].Line, section, $"yaml: 'Parameter Sets:' is empty; use {ParameterMetadata.AllParameterSets} or set names."));
            }
            else if (metadata.ParameterSets.Count > 1 && metadata.ParameterSets.Contains(ParameterMetadata.AllParameterSets))
            {
                errors.Add(new HelpDiagnostic(file, values[ParameterSets].Line, section, $"yaml: 'Parameter Sets:' mixes {ParameterMetadata.AllParameterSets} with set names."));
            }

            metadata.Aliases.AddRange(SplitList(values[Aliases].Value));
            if (values.TryGetValue(AcceptedValues, out var accepted))
            {
                metadata.AcceptedValues.AddRange(SplitList(accepted.Value));
            }

            metadata.Required = ParseBool(values[Required], Required, file, section, errors);
            metadata.Globbing = ParseBool(values[AcceptWildcardCharacters], AcceptWildcardCharacters, file, section, errors);

            var position = values[Position];
            if (string.Equals(position.Value, "Named", StringComparison.OrdinalIgnoreCase))
            {
                metadata.Position = "Named";
            }
            else if (int.TryParse(position.Value, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            {
                metadata.Position = index.ToString(CultureInfo.InvariantCulture);
            }
            else
            {
                errors.Add(new HelpDiagnostic(file, position.Line, section, $"yaml: 'Position: {position.Value}' is not valid; use Named or a position from 0."));
            }

            string defaultValue = values[DefaultValue].Value;
            metadata.DefaultValue = defaultValue.Length == 0 ? null : defaultValue;

            var pipeline = values[AcceptPipelineInput];
            if (IsValidPipelineInput(pipeline.Value))
            {
                metadata.PipelineInput = pipeline.Value;
            }
            else
            {
                errors.Add(new HelpDiagnostic(file, pipeline.Line, section,
                    $"yaml: 'Accept pipeline input: {pipeline.Value}' is not valid; use False, or True (…) with {string.Join(", ", PipelineKinds)}."));
            }

            return errors.Count > errorCount ? null : metadata;
        }

        private static bool ParseBool((string Value, int Line) entry, string key, string file, string section, List<HelpDiagnostic> errors)
        {
            if (string.Equals(entry.Value, "True", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
            if (!string.Equals(entry.Value, "False", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(new HelpDiagnostic(file, entry.Line, section, $"yaml: '{key}: {entry.Value}' is not valid; use True or False."));
            }
            return false;
        }

        /// <summary>"False", "True (ByValue)", "True (ByPropertyName, ByValue)", ...</summary>
        private static bool IsValidPipelineInput(string value)
        {
            if (string.Equals(value, "False", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
            if (!value.StartsWith("True", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
            string rest = value.Substring(4).Trim();
            if (rest.Length == 0)
            {
                return true;
            }
            if (!rest.StartsWith("(", StringComparison.Ordinal) || !rest.EndsWith(")", StringComparison.Ordinal))
            {
                return false;
            }
            List<string> kinds = SplitList(rest.Substring(1, rest.Length - 2));
            return kinds.Count > 0 && kinds.All(k => PipelineKinds.Contains(k, StringComparer.OrdinalIgnoreCase));
        }

        private static List<string> SplitList(string value) =>
            value.Split(',').Select(s => s.Trim()).Where(s => s.Length > 0).ToList();
    }
}
