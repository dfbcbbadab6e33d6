using System;
using System.Collections.Generic;

namespace TcpLb.HelpBuilder
{
    /// <summary>
    /// One cmdlet's help, as read from a platyPS-schema markdown file: the model between the
    /// markdown reader and the MAML writer. Text sections are lists of paragraphs.
    /// </summary>
    internal sealed class CommandHelp
    {
        public CommandHelp(string name, string sourceFile)
        {
            Name = name;
            SourceFile = sourceFile;
        }

        /// <summary>Verb-Noun, from the '# Name' heading.</summary>
        public string Name { get; }

        /// <summary>The markdown file this came from (for diagnostics).</summary>
        public string SourceFile { get; }

        /// <summary>The YAML front matter, keys compared case-insensitively.</summary>
        public IReadOnlyDictionary<string, string> Metadata { get; set; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        public List<string> Synopsis { get; } = new List<string>();

        public List<string> Description { get; } = new List<string>();

        /// <summary>The SYNTAX code blocks, one per parameter set, as written.</summary>
        public List<SyntaxBlock> Syntax { get; } = new List<SyntaxBlock>();

        public List<ExampleHelp> Examples { get; } = new List<ExampleHelp>();

        /// <summary>The PARAMETERS entries in document order (CommonParameters excluded).</summary>
        public List<ParameterHelp> Parameters { get; } = new List<ParameterHelp>();

        /// <summary>True when PARAMETERS has a '### CommonParameters' entry.</summary>
        public bool SupportsCommonParameters { get; set; }

        public List<TypeHelp> Inputs { get; } = new List<TypeHelp>();

        public List<TypeHelp> Outputs { get; } = new List<TypeHelp>();

        public List<string> Notes { get; } = new List<string>();

        public List<LinkHelp> Links { get; } = new List<LinkHelp>();

        public string Verb => Name.Split('-')[0];

        public string Noun => Name.Substring(Math.Min(Verb.Length + 1, Name.Length));
    }

    /// <summary>One '### SetName' + code block of the SYNTAX section.</summary>
    internal sealed class SyntaxBlock
    {
        public SyntaxBlock(string? parameterSetName, string text, int line)
        {
            ParameterSetName = parameterSetName;
            Text = text;
            Line = line;
        }

        /// <summary>The heading without a ' (Default)' suffix; null when the block has no heading.</summary>
        public string? ParameterSetName { get; }

        public bool IsDefault { get; set; }

        public string Text { get; }

        /// <summary>1-based line of the block in the markdown file.</summary>
        public int Line { get; }
    }

    internal sealed class ExampleHelp
    {
        public ExampleHelp(string title)
        {
            Title = title;
        }

        /// <summary>The '### Example N: title' heading text.</summary>
        public string Title { get; }

        /// <summary>Each code block of the example, in order.</summary>
        public List<string> Code { get; } = new List<string>();

        /// <summary>Paragraphs around the code (an introduction before it, remarks after it).</summary>
        public List<string> Remarks { get; } = new List<string>();
    }

    /// <summary>A '### -Name' entry: its description and one metadata block per distinct set of attributes.</summary>
    internal sealed class ParameterHelp
    {
        public ParameterHelp(string name, int line)
        {
            Name = name;
            Line = line;
        }

        /// <summary>Without the leading '-'.</summary>
        public string Name { get; }

        public int Line { get; }

        public List<string> Description { get; } = new List<string>();

        /// <summary>The ```yaml blocks; almost always one. The first is what the PARAMETERS section shows.</summary>
        public List<ParameterMetadata> Metadata { get; } = new List<ParameterMetadata>();
    }

    /// <summary>The key/value pairs of one parameter ```yaml block.</summary>
    internal sealed class ParameterMetadata
    {
        /// <summary>The set name platyPS writes for a parameter that is in every set.</summary>
        public const string AllParameterSets = "(All)";

        public string Type { get; set; } = "";

        /// <summary>Set names; a single <see cref="AllParameterSets"/> for every set.</summary>
        public List<string> ParameterSets { get; } = new List<string>();

        public List<string> Aliases { get; } = new List<string>();

        public List<string> AcceptedValues { get; } = new List<string>();

        public bool Required { get; set; }

        /// <summary>"Named" or a 0-based position, as written.</summary>
        public string Position { get; set; } = "Named";

        public string? DefaultValue { get; set; }

        /// <summary>"False" or e.g. "True (ByPropertyName, ByValue)", as written.</summary>
        public string PipelineInput { get; set; } = "False";

        public bool Globbing { get; set; }

        public int Line { get; set; }

        public bool IsInAllSets => ParameterSets.Count == 1 && ParameterSets[0] == AllParameterSets;

        public bool IsNamed => string.Equals(Position, "Named", StringComparison.OrdinalIgnoreCase);

        public bool IsSwitch =>
            string.Equals(Type, "SwitchParameter", StringComparison.OrdinalIgnoreCase) ||
            string.Equals(Type, "switch", StringComparison.OrdinalIgnoreCase) ||
            string.Equals(Type, "System.Management.Automation.SwitchParameter", StringComparison.OrdinalIgnoreCase);

        public bool AppliesTo(string parameterSetName) =>
            IsInAllSets || ParameterSets.Exists(s => string.Equals(s, parameterSetName, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>A '### TypeName' entry of INPUTS or OUTPUTS.</summary>
    internal sealed class TypeHelp
    {
        public TypeHelp(string typeName)
        {
            TypeName = typeName;
        }

        public string TypeName { get; }

        public List<string> Description { get; } = new List<string>();
    }

    /// <summary>A '[text](uri)' of RELATED LINKS.</summary>
    internal sealed class LinkHelp
    {
        public LinkHelp(string text, string uri)
        {
            Text = text;
            Uri = uri;
        }

        public string Text { get; }

        public string Uri { get; }
    }
}
