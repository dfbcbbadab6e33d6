using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace TcpLb.HelpBuilder
{
    /// <summary>
    /// Checks that a doc's SYNTAX blocks and its PARAMETERS entries say the same thing: the same
    /// parameter sets, the same parameters in each set, and for each parameter the same
    /// required/optional, positional/named and type. (platyPS derives the MAML syntax from
    /// PARAMETERS and ignores the SYNTAX text, so a mismatch would show one thing on the web and
    /// another in Get-Help.)
    /// </summary>
    internal static class SyntaxConsistency
    {
        /// <summary>The heading platyPS gives the only set of a cmdlet without named sets.</summary>
        public const string AllParameterSetsHeading = "__AllParameterSets";

        private static readonly Regex Token = new Regex(
            @"\G\s*(?:" +
            @"(?<common>\[<CommonParameters>\])" +
            @"|\[\[-(?<posopt>\w+)\]\s*<(?<type>[^>]+)>\]" +
            @"|\[-(?<posreq>\w+)\]\s*<(?<type>[^>]+)>" +
            @"|\[-(?<namedopt>\w+)(?:\s*<(?<type>[^>]+)>)?\]" +
            @"|-(?<namedreq>\w+)(?:\s*<(?<type>[^>]+)>)?" +
            @")",
            RegexOptions.CultureInvariant);

        /// <summary>A parameter as the syntax line shows it.</summary>
        internal sealed class SyntaxParameter
        {
            public SyntaxParameter(string name, bool required, bool positional, string? type)
            {
                Name = name;
                Required = required;
                Positional = positional;
                Type = type;
            }

            public string Name { get; }
            public bool Required { get; }
            public bool Positional { get; }
            public string? Type { get; }
        }

        internal sealed class ParsedSyntax
        {
            public string CommandName { get; set; } = "";
            public List<SyntaxParameter> Parameters { get; } = new List<SyntaxParameter>();
            public bool CommonParameters { get; set; }
        }

        public static void Check(CommandHelp command, List<HelpDiagnostic> errors)
        {
            string file = command.SourceFile;
            var namedSets = command.Parameters
                .SelectMany(p => p.Metadata)
                .SelectMany(m => m.ParameterSets)
                .Where(s => s != ParameterMetadata.AllParameterSets)
                .Distinct(StringComparer.OrdinalIgnoreCase)
                .ToList();

            if (namedSets.Count == 0)
            {
                if (command.Syntax.Count != 1)
                {
                    errors.Add(new HelpDiagnostic(file, command.Syntax.Count > 1 ? command.Syntax[1].Line : 0, MarkdownHelpReader.Syntax,
                        $"{command.Syntax.Count} syntax blocks, but PARAMETERS puts every parameter in {ParameterMetadata.AllParameterSets}: there is one parameter set, so one block ('### {AllParameterSetsHeading}')."));
                }
            }
            else
            {
                var syntaxSets = command.Syntax.Select(s => s.ParameterSetName ?? "").ToList();
                foreach (string set in namedSets.Where(s => !syntaxSets.Contains(s, StringComparer.OrdinalIgnoreCase)))
                {
                    errors.Add(new HelpDiagnostic(file, 0, MarkdownHelpReader.Syntax, $"PARAMETERS uses the parameter set '{set}', but SYNTAX has no '### {set}' block."));
                }
                foreach (SyntaxBlock block in command.Syntax.Where(b => !namedSets.Contains(b.ParameterSetName ?? "", StringComparer.OrdinalIgnoreCase)))
                {
                    errors.Add(new HelpDiagnostic(file, block.Line, SectionOf(block),
                        $"no parameter in PARAMETERS is in the set '{block.ParameterSetName}' (sets there: {string.Join(", ", namedSets)})."));
                }
            }

            foreach (SyntaxBlock block in command.Syntax)
            {
                CheckBlock(command, block, namedSets.Count == 0 ? null : block.ParameterSetName, errors);
            }
        }

        /// <summary>Reads 'Verb-Noun [-A] &lt;T&gt; [-B &lt;T&gt;] [-C] [&lt;CommonParameters&gt;]'.</summary>
        public static ParsedSyntax? Parse(string text, out string? error)
        {
            error = null;
            var parsed = new ParsedSyntax();
            string flat = Regex.Replace(text, @"\s+", " ").Trim();
            int space = flat.IndexOf(' ');
            parsed.CommandName = space < 0 ? flat : flat.Substring(0, space);
            int position = parsed.CommandName.Length;
            while (position < flat.Length)
            {
                Match match = Token.Match(flat, position);
                if (!match.Success || match.Length == 0)
                {
                    string rest = flat.Substring(position).Trim();
                    if (rest.Length == 0)
                    {
                        break;
                    }
                    error = $"cannot read the syntax at '{rest}'.";
                    return null;
                }
                position += match.Length;
                string? type = match.Groups["type"].Success ? match.Groups["type"].Value.Trim() : null;
                if (match.Groups["common"].Success)
                {
                    parsed.CommonParameters = true;
                }
                else if (match.Groups["posopt"].Success)
                {
                    parsed.Parameters.Add(new SyntaxParameter(match.Groups["posopt"].Value, required: false, positional: true, type));
                }
                else if (match.Groups["posreq"].Success)
                {
                    parsed.Parameters.Add(new SyntaxParameter(match.Groups["posreq"].Value, required: true, positional: true, type));
                }
                else if (match.Groups["namedopt"].Success)
                {
                    parsed.Parameters.Add(new SyntaxParameter(match.Groups["namedopt"].Value, required: false, positional: false, type));
                }
                else
                {
                    parsed.Parameters.Add(new SyntaxParameter(match.Groups["namedreq"].Value, required: true, positional: false, type));
                }
            }
            return parsed;
        }

        private static void CheckBlock(CommandHelp command, SyntaxBlock block, string? setName, List<HelpDiagnostic> errors)
        {
            string file = command.SourceFile;
            string section = SectionOf(block);
            ParsedSyntax? syntax = Parse(block.Text, out string? parseError);
            if (syntax == null)
            {
                errors.Add(new HelpDiagnostic(file, block.Line, section, parseError!));
                return;
            }

            if (!string.Equals(syntax.CommandName, command.Name, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(new HelpDiagnostic(file, block.Line, section, $"the syntax starts with '{syntax.CommandName}', not '{command.Name}'."));
            }
            if (syntax.CommonParameters != command.SupportsCommonParameters)
            {
                errors.Add(new HelpDiagnostic(file, block.Line, section, syntax.CommonParameters
                    ? "the syntax shows [<CommonParameters>] but PARAMETERS has no '### CommonParameters'."
                    : "PARAMETERS has '### CommonParameters' but the syntax does not end with [<CommonParameters>]."));
            }

            // The parameters PARAMETERS puts in this set, each with the metadata that applies to it.
            var expected = new List<(ParameterHelp Parameter, ParameterMetadata Metadata)>();
            foreach (ParameterHelp parameter in command.Parameters)
            {
                ParameterMetadata? metadata = setName == null
                    ? parameter.Metadata.FirstOrDefault()
                    : parameter.Metadata.FirstOrDefault(m => m.AppliesTo(setName));
                if (metadata != null)
                {
                    expected.Add((parameter, metadata));
                }
            }

            var shown = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            int lastPosition = -1;
            foreach (SyntaxParameter parameter in syntax.Parameters)
            {
                if (!shown.Add(parameter.Name))
                {
                    errors.Add(new HelpDiagnostic(file, block.Line, section, $"-{parameter.Name} appears twice."));
                    continue;
                }
                var match = expected.FirstOrDefault(e => string.Equals(e.Parameter.Name, parameter.Name, StringComparison.OrdinalIgnoreCase));
                if (match.Parameter == null)
                {
                    errors.Add(new HelpDiagnostic(file, block.Line, section, $"-{parameter.Name} is in the syntax but PARAMETERS has no '### -{parameter.Name}' in this set."));
                    continue;
                }
                ParameterMetadata metadata = match.Metadata;
                if (parameter.Required != metadata.Required)
                {
                    errors.Add(new HelpDiagnostic(file, block.Line, section,
                        $"-{parameter.Name} is {(parameter.Required ? "required" : "optional")} in the syntax but 'Required: {(metadata.Required ? "True" : "False")}' in PARAMETERS."));
                }
                if (parameter.Positional == metadata.IsNamed)
                {
                    errors.Add(new HelpDiagnostic(file, block.Line, section,
                        $"-{parameter.Name} is {(parameter.Positional ? "positional" : "named")} in the syntax but 'Position: {metadata.Position}' in PARAMETERS."));
                }
                else if (parameter.Positional)
                {
                    int position = int.Parse(metadata.Position, System.Globalization.CultureInfo.InvariantCulture);
                    if (position < lastPosition)
                    {
                        errors.Add(new HelpDiagnostic(file, block.Line, section, $"-{parameter.Name} (position {position}) is shown after a parameter with a higher position."));
                    }
                    lastPosition = position;
                }
                if (metadata.IsSwitch ? parameter.Type != null : !SameType(parameter.Type, metadata.Type))
                {
                    errors.Add(new HelpDiagnostic(file, block.Line, section,
                        $"-{parameter.Name} shows type '{parameter.Type ?? "(switch)"}' in the syntax but 'Type: {metadata.Type}' in PARAMETERS."));
                }
            }
            foreach (var (parameter, _) in expected.Where(e => !shown.Contains(e.Parameter.Name)))
            {
                errors.Add(new HelpDiagnostic(file, block.Line, section, $"-{parameter.Name} is in PARAMETERS{(setName == null ? "" : $" (set {setName})")} but not in the syntax."));
            }
        }

        /// <summary>'Int32[]' matches 'Int32[]' and 'System.Int32[]'; namespaces are optional on either side.</summary>
        private static bool SameType(string? shown, string documented)
        {
            if (shown == null)
            {
                return false;
            }
            static string Short(string type)
            {
                int generic = type.IndexOf('[', StringComparison.Ordinal);
                string head = generic < 0 ? type : type.Substring(0, generic);
                string tail = generic < 0 ? "" : type.Substring(generic);
                int dot = head.LastIndexOf('.');
                return (dot < 0 ? head : head.Substring(dot + 1)) + tail;
            }
            return string.Equals(Short(shown), Short(documented), StringComparison.OrdinalIgnoreCase);
        }

        private static string SectionOf(SyntaxBlock block) =>
            block.ParameterSetName == null ? MarkdownHelpReader.Syntax : $"{MarkdownHelpReader.Syntax} {block.ParameterSetName}";
    }
}
