using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace TcpLb.HelpBuilder
{
    /// <summary>
    /// Writes commands as a PowerShell MAML help file (the *.dll-Help.xml Get-Help reads), in the
    /// shape platyPS's New-ExternalHelp gives it: helpItems/command:command with details, description,
    /// syntax (one syntaxItem per parameter set, built from PARAMETERS), parameters, inputTypes,
    /// returnValues, alertSet (NOTES), examples (titles padded with dashes) and relatedLinks.
    /// </summary>
    internal static class MamlWriter
    {
        public static readonly XNamespace Msh = "http://msh";
        public static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
        public static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        public static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";
        public static readonly XNamespace MSHelp = "http://msdn.microsoft.com/mshelp";

        private const string OnlineVersionLinkText = "Online Version:";

        public static XDocument ToDocument(IEnumerable<CommandHelp> commands) =>
            new XDocument(
                new XDeclaration("1.0", "utf-8", null),
                new XElement(Msh + "helpItems",
                    new XAttribute("schema", "maml"),
                    commands.Select(CommandElement)));

        /// <summary>UTF-8 without BOM, two-space indent, '\n' line ends.</summary>
        public static string ToXml(IEnumerable<CommandHelp> commands)
        {
            var settings = new XmlWriterSettings
            {
                Encoding = new UTF8Encoding(false),
                Indent = true,
                IndentChars = "  ",
                NewLineChars = "\n",
                NewLineHandling = NewLineHandling.Replace,
            };
            using var stream = new MemoryStream();
            using (XmlWriter writer = XmlWriter.Create(stream, settings))
            {
                ToDocument(commands).Save(writer);
            }
            return new UTF8Encoding(false).GetString(stream.ToArray()) + "\n";
        }

        private static XElement CommandElement(CommandHelp command) =>
            new XElement(Command + "command",
                new XAttribute(XNamespace.Xmlns + "maml", Maml),
                new XAttribute(XNamespace.Xmlns + "command", Command),
                new XAttribute(XNamespace.Xmlns + "dev", Dev),
                new XAttribute(XNamespace.Xmlns + "MSHelp", MSHelp),
                new XElement(Command + "details",
                    new XElement(Command + "name", command.Name),
                    new XElement(Command + "verb", command.Verb),
                    new XElement(Command + "noun", command.Noun),
                    new XElement(Maml + "description", Paragraphs(command.Synopsis))),
                new XElement(Maml + "description", Paragraphs(command.Description)),
                new XElement(Command + "syntax", SyntaxItems(command)),
                new XElement(Command + "parameters", command.Parameters.Select(p => ParameterElement(p, p.Metadata[0], inSyntax: false))),
                new XElement(Command + "inputTypes", command.Inputs.Select(t => TypeElement("inputType", t))),
                new XElement(Command + "returnValues", command.Outputs.Select(t => TypeElement("returnValue", t))),
                new XElement(Maml + "alertSet",
                    new XElement(Maml + "alert", Paragraphs(command.Notes))),
                new XElement(Command + "examples", command.Examples.Select(ExampleElement)),
                new XElement(Command + "relatedLinks", Links(command).Select(LinkElement)));

        /// <summary>
        /// As platyPS: the sets come from the parameters' "Parameter Sets" in order of appearance;
        /// a parameter in (All) is in every set; with no named set there is one unnamed item.
        /// Parameters are ordered by position, named ones last, otherwise as documented.
        /// </summary>
        private static IEnumerable<XElement> SyntaxItems(CommandHelp command)
        {
            var sets = new List<string>();
            foreach (ParameterMetadata metadata in command.Parameters.SelectMany(p => p.Metadata))
            {
                foreach (string set in metadata.ParameterSets)
                {
                    if (set != ParameterMetadata.AllParameterSets && !sets.Contains(set, StringComparer.OrdinalIgnoreCase))
                    {
                        sets.Add(set);
                    }
                }
            }

            if (sets.Count == 0)
            {
                yield return SyntaxItem(command, command.Parameters.Select(p => (p, p.Metadata[0])));
                yield break;
            }

            // The default set (marked '(Default)' in SYNTAX) goes first, as Get-Help shows it.
            string? defaultSet = command.Syntax.FirstOrDefault(s => s.IsDefault)?.ParameterSetName;
            foreach (string set in sets.OrderBy(s => string.Equals(s, defaultSet, StringComparison.OrdinalIgnoreCase) ? 0 : 1))
            {
                var members = new List<(ParameterHelp, ParameterMetadata)>();
                foreach (ParameterHelp parameter in command.Parameters)
                {
                    ParameterMetadata? metadata = parameter.Metadata.FirstOrDefault(m => m.AppliesTo(set));
                    if (metadata != null)
                    {
                        members.Add((parameter, metadata));
                    }
                }
                yield return SyntaxItem(command, members);
            }
        }

        private static XElement SyntaxItem(CommandHelp command, IEnumerable<(ParameterHelp Parameter, ParameterMetadata Metadata)> members) =>
            new XElement(Command + "syntaxItem",
                new XElement(Maml + "name", command.Name),
                members
                    .OrderBy(m => m.Metadata.IsNamed ? int.MaxValue : int.Parse(m.Metadata.Position, CultureInfo.InvariantCulture))
                    .Select(m => ParameterElement(m.Parameter, m.Metadata, inSyntax: true)));

        private static XElement ParameterElement(ParameterHelp parameter, ParameterMetadata metadata, bool inSyntax)
        {
            string type = metadata.IsSwitch ? "SwitchParameter" : metadata.Type;
            string defaultValue = metadata.IsSwitch && (metadata.DefaultValue == null || string.Equals(metadata.DefaultValue, "None", StringComparison.OrdinalIgnoreCase))
                ? "False"
                : metadata.DefaultValue ?? "None";

            return new XElement(Command + "parameter",
                new XAttribute("required", Bool(metadata.Required)),
                new XAttribute("variableLength", "true"),
                new XAttribute("globbing", Bool(metadata.Globbing)),
                new XAttribute("pipelineInput", metadata.PipelineInput),
                new XAttribute("position", metadata.Position.ToLowerInvariant()),
                new XAttribute("aliases", metadata.Aliases.Count > 0 ? string.Join(", ", metadata.Aliases) : "none"),
                new XElement(Maml + "name", parameter.Name),
                new XElement(Maml + "description", Paragraphs(parameter.Description)),
                inSyntax && metadata.AcceptedValues.Count > 0
                    ? new XElement(Command + "parameterValueGroup",
                        metadata.AcceptedValues.Select(v => new XElement(Command + "parameterValue",
                            new XAttribute("required", "false"),
                            new XAttribute(Command + "variableLength", "false"),
                            v)))
                    : null,
                // In syntax a switch shows no value, so Get-Help prints [-AsJob], not [-AsJob <SwitchParameter>].
                !inSyntax || !metadata.IsSwitch
                    ? new XElement(Command + "parameterValue",
                        new XAttribute("required", Bool(!metadata.IsSwitch)),
                        new XAttribute("variableLength", "false"),
                        type)
                    : null,
                new XElement(Dev + "type",
                    new XElement(Maml + "name", type),
                    new XElement(Maml + "uri")),
                new XElement(Dev + "defaultValue", defaultValue));
        }

        private static XElement TypeElement(string elementName, TypeHelp type) =>
            new XElement(Command + elementName,
                new XElement(Dev + "type",
                    new XElement(Maml + "name", type.TypeName)),
                new XElement(Maml + "description", Paragraphs(type.Description)));

        private static XElement ExampleElement(ExampleHelp example) =>
            new XElement(Command + "example",
                new XElement(Maml + "title", PadExampleTitle(example.Title)),
                new XElement(Dev + "code", string.Join("\n\n", example.Code)),
                new XElement(Dev + "remarks", Paragraphs(example.Remarks)));

        /// <summary>platyPS adds the front matter's 'online version' as the first link, for Get-Help -Online.</summary>
        private static IEnumerable<LinkHelp> Links(CommandHelp command)
        {
            if (command.Metadata.TryGetValue(FrontMatter.OnlineVersion, out string? online) &&
                !string.IsNullOrWhiteSpace(online) &&
                !command.Links.Any(l => l.Uri == online))
            {
                yield return new LinkHelp(OnlineVersionLinkText, online);
            }
            foreach (LinkHelp link in command.Links)
            {
                yield return link;
            }
        }

        /// <summary>Get-Help rejects a link whose uri is not absolute (e.g. Other-Command.md), so those keep only their text.</summary>
        private static XElement LinkElement(LinkHelp link) =>
            new XElement(Maml + "navigationLink",
                new XElement(Maml + "linkText", link.Text),
                new XElement(Maml + "uri", Uri.TryCreate(link.Uri, UriKind.Absolute, out _) ? link.Uri : ""));

        /// <summary>One maml:para per paragraph; an empty section gets one empty para, as platyPS writes it.</summary>
        private static IEnumerable<XElement> Paragraphs(IReadOnlyCollection<string> paragraphs) =>
            paragraphs.Count == 0
                ? new[] { new XElement(Maml + "para") }
                : paragraphs.Select(p => new XElement(Maml + "para", p));

        /// <summary>"Example 1" becomes "-------------------------- Example 1 --------------------------" (64 wide).</summary>
        internal static string PadExampleTitle(string title)
        {
            if (string.IsNullOrWhiteSpace(title) || title.Length >= 62)
            {
                return title;
            }
            int pad = (64 - title.Length - 2) / 2;
            var dashes = new string('-', pad);
            return dashes + " " + title + " " + dashes;
        }

        private static string Bool(bool value) => value ? "true" : "false";
    }
}
