using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Markdig;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace TcpLb.HelpBuilder
{
    /// <summary>
    /// Reads one platyPS-schema (2.0.0) cmdlet markdown file into a <see cref="CommandHelp"/>:
    /// front matter, '# Verb-Noun', then the '## ' sections in the platyPS order, each required.
    /// Problems are added to the error list as file(line) + section + message; the result is null
    /// when there were any.
    /// </summary>
    internal static class MarkdownHelpReader
    {
        public const string Synopsis = "SYNOPSIS";
        public const string Syntax = "SYNTAX";
        public const string Description = "DESCRIPTION";
        public const string Examples = "EXAMPLES";
        public const string Parameters = "PARAMETERS";
        public const string Inputs = "INPUTS";
        public const string Outputs = "OUTPUTS";
        public const string Notes = "NOTES";
        public const string RelatedLinks = "RELATED LINKS";

        /// <summary>Every section platyPS writes, in its order. All are required (NOTES, INPUTS,
        /// OUTPUTS and RELATED LINKS may be empty).</summary>
        public static readonly IReadOnlyList<string> SectionOrder = new[]
        {
            Synopsis, Syntax, Description, Examples, Parameters, Inputs, Outputs, Notes, RelatedLinks,
        };

        public const string CommonParametersToken = "CommonParameters";
        private const string WorkflowParametersToken = "WorkflowParameters";
        private const string DefaultSetSuffix = " (Default)";

        private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseYamlFrontMatter().Build();

        public static CommandHelp? ReadFile(string path, List<HelpDiagnostic> errors) =>
            Read(File.ReadAllText(path), path, errors);

        public static CommandHelp? Read(string markdown, string file, List<HelpDiagnostic> errors)
        {
            int errorCount = errors.Count;
            MarkdownDocument document = Markdown.Parse(markdown, Pipeline);
            var blocks = document.ToList();
            int index = 0;

            // Front matter.
            IReadOnlyDictionary<string, string> metadata;
            if (index < blocks.Count && blocks[index] is YamlFrontMatterBlock yaml)
            {
                metadata = FrontMatter.Parse(yaml.Lines.ToString(), FirstContentLine(yaml), file, errors);
                index++;
            }
            else
            {
                errors.Add(new HelpDiagnostic(file, 1, FrontMatter.Section,
                    $"missing: the file must start with '---', '{FrontMatter.ExternalHelpFile}:', '{FrontMatter.ModuleName}:', '{FrontMatter.OnlineVersion}:', '{FrontMatter.Schema}: {FrontMatter.SupportedSchema}', '---'."));
                metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            }

            // '# Verb-Noun'.
            if (index >= blocks.Count || !(blocks[index] is HeadingBlock title) || title.Level != 1)
            {
                int line = index < blocks.Count ? blocks[index].Line + 1 : 0;
                errors.Add(new HelpDiagnostic(file, line, "command name", "expected the '# Verb-Noun' heading after the front matter."));
                return null;
            }
            string name = MarkdownText.InlineText(title.Inline);
            index++;
            string expected = Path.GetFileNameWithoutExtension(file);
            if (!string.Equals(name, expected, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(new HelpDiagnostic(file, title.Line + 1, "command name", $"'# {name}' does not match the file name; the file for {name} is {name}.md."));
            }
            if (!name.Contains('-', StringComparison.Ordinal))
            {
                errors.Add(new HelpDiagnostic(file, title.Line + 1, "command name", $"'{name}' is not a Verb-Noun command name."));
            }

            var command = new CommandHelp(name, file) { Metadata = metadata };

            // '## SECTION' blocks.
            var seen = new List<string>();
            while (index < blocks.Count)
            {
                Block block = blocks[index];
                if (!(block is HeadingBlock heading) || heading.Level != 2)
                {
                    string what = block is HeadingBlock h ? $"a level-{h.Level} heading '{MarkdownText.InlineText(h.Inline)}'" : "text";
                    errors.Add(new HelpDiagnostic(file, block.Line + 1, seen.Count > 0 ? seen[seen.Count - 1] : "command name",
                        $"expected a '## SECTION' heading, found {what}. One command per file; sections: {string.Join(", ", SectionOrder)}."));
                    return null;
                }
                index++;
                var body = new List<Block>();
                while (index < blocks.Count && !(blocks[index] is HeadingBlock next && next.Level <= 2))
                {
                    body.Add(blocks[index++]);
                }

                string section = MarkdownText.InlineText(heading.Inline).ToUpperInvariant();
                int order = IndexOf(section);
                if (order < 0)
                {
                    errors.Add(new HelpDiagnostic(file, heading.Line + 1, section, $"unknown section. Sections: {string.Join(", ", SectionOrder)}."));
                    continue;
                }
                if (seen.Contains(section))
                {
                    errors.Add(new HelpDiagnostic(file, heading.Line + 1, section, "the section appears twice."));
                    continue;
                }
                if (seen.Count > 0 && IndexOf(seen[seen.Count - 1]) > order)
                {
                    errors.Add(new HelpDiagnostic(file, heading.Line + 1, section, $"out of order: it comes after {seen[seen.Count - 1]}; the order is {string.Join(", ", SectionOrder)}."));
                }
                seen.Add(section);
                ReadSection(command, section, heading, body, errors);
            }

            foreach (string section in SectionOrder)
            {
                if (!seen.Contains(section))
                {
                    errors.Add(new HelpDiagnostic(file, 0, section, $"the '## {section}' section is missing."));
                }
            }

            return errors.Count > errorCount ? null : command;
        }

        private static void ReadSection(CommandHelp command, string section, HeadingBlock heading, List<Block> body, List<HelpDiagnostic> errors)
        {
            string file = command.SourceFile;
            switch (section)
            {
                case Synopsis:
                    command.Synopsis.AddRange(TextOnly(body, file, section, errors));
                    if (command.Synopsis.Count == 0)
                    {
                        errors.Add(new HelpDiagnostic(file, heading.Line + 1, section, "is empty; give a one-sentence summary."));
                    }
                    break;
                case Description:
                    command.Description.AddRange(TextOnly(body, file, section, errors));
                    if (command.Description.Count == 0)
                    {
                        errors.Add(new HelpDiagnostic(file, heading.Line + 1, section, "is empty."));
                    }
                    break;
                case Notes:
                    command.Notes.AddRange(TextOnly(body, file, section, errors));
                    break;
                case Syntax:
                    ReadSyntax(command, heading, body, errors);
                    break;
                case Examples:
                    ReadExamples(command, heading, body, errors);
                    break;
                case Parameters:
                    ReadParameters(command, body, errors);
                    break;
                case Inputs:
                    ReadTypes(command.Inputs, file, section, body, errors);
                    break;
                case Outputs:
                    ReadTypes(command.Outputs, file, section, body, errors);
                    break;
                case RelatedLinks:
                    ReadLinks(command, body, errors);
                    break;
            }
        }

        private static void ReadSyntax(CommandHelp command, HeadingBlock heading, List<Block> body, List<HelpDiagnostic> errors)
        {
            string file = command.SourceFile;
            foreach (var (setHeading, blocks) in SplitByHeading(body, 3, file, Syntax, errors, allowLeadingContent: true))
            {
                string? setName = setHeading == null ? null : MarkdownText.InlineText(setHeading.Inline);
                bool isDefault = false;
                if (setName != null && setName.EndsWith(DefaultSetSuffix, StringComparison.Ordinal))
                {
                    setName = setName.Substring(0, setName.Length - DefaultSetSuffix.Length);
                    isDefault = true;
                }
                string where = setName == null ? Syntax : $"{Syntax} {setName}";
                var code = blocks.OfType<FencedCodeBlock>().ToList();
                if (code.Count != 1 || blocks.Count != 1)
                {
                    int line = (setHeading?.Line ?? heading.Line) + 1;
                    errors.Add(new HelpDiagnostic(file, line, where, "each parameter set needs exactly one ``` code block with the syntax line, and nothing else."));
                    continue;
                }
                command.Syntax.Add(new SyntaxBlock(setName, MarkdownText.CodeText(code[0]), FirstContentLine(code[0])) { IsDefault = isDefault });
            }
            if (command.Syntax.Count == 0)
            {
                errors.Add(new HelpDiagnostic(file, heading.Line + 1, Syntax, "no syntax: add '### SetName' and a ``` code block per parameter set."));
            }
        }

        private static void ReadExamples(CommandHelp command, HeadingBlock heading, List<Block> body, List<HelpDiagnostic> errors)
        {
            string file = command.SourceFile;
            foreach (var (exampleHeading, blocks) in SplitByHeading(body, 3, file, Examples, errors, allowLeadingContent: false))
            {
                string title = MarkdownText.InlineText(exampleHeading!.Inline);
                var example = new ExampleHelp(title);
                foreach (Block block in blocks)
                {
                    if (block is FencedCodeBlock code)
                    {
                        example.Code.Add(MarkdownText.CodeText(code));
                    }
                    else
                    {
                        example.Remarks.AddRange(MarkdownText.Paragraphs(new[] { block }));
                    }
                }
                if (example.Code.Count == 0)
                {
                    errors.Add(new HelpDiagnostic(file, exampleHeading.Line + 1, $"{Examples} {title}", "has no ```powershell code block."));
                    continue;
                }
                command.Examples.Add(example);
            }
            if (command.Examples.Count == 0 && !errors.Any(e => e.File == file && e.Section.StartsWith(Examples, StringComparison.Ordinal)))
            {
                errors.Add(new HelpDiagnostic(file, heading.Line + 1, Examples, "no examples: add '### Example 1: title', a ```powershell block and remarks."));
            }
        }

        private static void ReadParameters(CommandHelp command, List<Block> body, List<HelpDiagnostic> errors)
        {
            string file = command.SourceFile;
            foreach (var (parameterHeading, blocks) in SplitByHeading(body, 3, file, Parameters, errors, allowLeadingContent: false))
            {
                string text = MarkdownText.InlineText(parameterHeading!.Inline);
                if (string.Equals(text, CommonParametersToken, StringComparison.OrdinalIgnoreCase))
                {
                    command.SupportsCommonParameters = true;
                    continue;
                }
                if (string.Equals(text, WorkflowParametersToken, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                string section = $"{Parameters} {text}";
                if (!text.StartsWith("-", StringComparison.Ordinal) || text.Length < 2 || text.Contains(' ', StringComparison.Ordinal))
                {
                    errors.Add(new HelpDiagnostic(file, parameterHeading.Line + 1, section, $"expected '### -ParameterName' or '### {CommonParametersToken}'."));
                    continue;
                }
                var parameter = new ParameterHelp(text.Substring(1), parameterHeading.Line + 1);
                if (command.Parameters.Any(p => string.Equals(p.Name, parameter.Name, StringComparison.OrdinalIgnoreCase)))
                {
                    errors.Add(new HelpDiagnostic(file, parameter.Line, section, "the parameter is described twice."));
                    continue;
                }

                var description = new List<Block>();
                foreach (Block block in blocks)
                {
                    if (block is FencedCodeBlock code && string.Equals(code.Info, "yaml", StringComparison.OrdinalIgnoreCase))
                    {
                        ParameterMetadata? metadata = ParameterYaml.Parse(code.Lines.ToString(), FirstContentLine(code), file, section, errors);
                        if (metadata != null)
                        {
                            parameter.Metadata.Add(metadata);
                        }
                    }
                    else if (parameter.Metadata.Count == 0)
                    {
                        description.Add(block);
                    }
                    else
                    {
                        errors.Add(new HelpDiagnostic(file, block.Line + 1, section, "text after the ```yaml block; the description goes between the heading and the block."));
                    }
                }
                parameter.Description.AddRange(MarkdownText.Paragraphs(description));
                if (parameter.Description.Count == 0)
                {
                    errors.Add(new HelpDiagnostic(file, parameter.Line, section, "has no description."));
                }
                if (!blocks.Any(b => b is FencedCodeBlock c && string.Equals(c.Info, "yaml", StringComparison.OrdinalIgnoreCase)))
                {
                    errors.Add(new HelpDiagnostic(file, parameter.Line, section, "has no ```yaml block (Type, Parameter Sets, Aliases, Required, Position, Default value, Accept pipeline input, Accept wildcard characters)."));
                }
                command.Parameters.Add(parameter);
            }
        }

        private static void ReadTypes(List<TypeHelp> types, string file, string section, List<Block> body, List<HelpDiagnostic> errors)
        {
            foreach (var (typeHeading, blocks) in SplitByHeading(body, 3, file, section, errors, allowLeadingContent: false))
            {
                var type = new TypeHelp(MarkdownText.InlineText(typeHeading!.Inline));
                type.Description.AddRange(TextOnly(blocks, file, $"{section} {type.TypeName}", errors));
                types.Add(type);
            }
        }

        private static void ReadLinks(CommandHelp command, List<Block> body, List<HelpDiagnostic> errors)
        {
            foreach (ParagraphBlock paragraph in body.SelectMany(Paragraphs))
            {
                List<LinkHelp>? links = LinksOnly(paragraph);
                if (links == null)
                {
                    errors.Add(new HelpDiagnostic(command.SourceFile, paragraph.Line + 1, RelatedLinks,
                        $"expected only [text](uri) links, found '{MarkdownText.InlineText(paragraph.Inline)}'."));
                    continue;
                }
                command.Links.AddRange(links);
            }
        }

        /// <summary>The links of a paragraph that holds nothing else (line breaks and spaces aside); null otherwise.</summary>
        private static List<LinkHelp>? LinksOnly(ParagraphBlock paragraph)
        {
            var links = new List<LinkHelp>();
            foreach (Inline inline in paragraph.Inline ?? Enumerable.Empty<Inline>())
            {
                switch (inline)
                {
                    case LinkInline link when !link.IsImage:
                        links.Add(new LinkHelp(MarkdownText.InlineText(link), link.Url ?? ""));
                        break;
                    case AutolinkInline autolink:
                        links.Add(new LinkHelp(autolink.Url, autolink.Url));
                        break;
                    case LineBreakInline _:
                        break;
                    case LiteralInline literal when literal.Content.IsEmptyOrWhitespace():
                        break;
                    default:
                        return null;
                }
            }
            return links;
        }

        private static IEnumerable<ParagraphBlock> Paragraphs(Block block)
        {
            if (block is ParagraphBlock paragraph)
            {
                yield return paragraph;
            }
            else if (block is ContainerBlock container)
            {
                foreach (Block child in container)
                {
                    foreach (ParagraphBlock inner in Paragraphs(child))
                    {
                        yield return inner;
                    }
                }
            }
        }

        /// <summary>Paragraph text of a section that must not contain sub-headings.</summary>
        private static List<string> TextOnly(List<Block> body, string file, string section, List<HelpDiagnostic> errors)
        {
            foreach (HeadingBlock heading in body.OfType<HeadingBlock>())
            {
                errors.Add(new HelpDiagnostic(file, heading.Line + 1, section, $"unexpected heading '{MarkdownText.InlineText(heading.Inline)}' in this section."));
            }
            return MarkdownText.Paragraphs(body.Where(b => !(b is HeadingBlock)));
        }

        /// <summary>Groups a section's blocks under its headings of the given level.</summary>
        private static List<(HeadingBlock? Heading, List<Block> Blocks)> SplitByHeading(
            List<Block> body, int level, string file, string section, List<HelpDiagnostic> errors, bool allowLeadingContent)
        {
            var groups = new List<(HeadingBlock?, List<Block>)>();
            List<Block>? current = null;
            foreach (Block block in body)
            {
                if (block is HeadingBlock heading)
                {
                    if (heading.Level != level)
                    {
                        errors.Add(new HelpDiagnostic(file, heading.Line + 1, section,
                            $"unexpected level-{heading.Level} heading '{MarkdownText.InlineText(heading.Inline)}'; entries of this section are level {level} ('{new string('#', level)} ')."));
                        current = null;
                        continue;
                    }
                    current = new List<Block>();
                    groups.Add((heading, current));
                }
                else if (current != null)
                {
                    current.Add(block);
                }
                else if (allowLeadingContent && groups.Count == 0)
                {
                    current = new List<Block> { block };
                    groups.Add((null, current));
                }
                else
                {
                    errors.Add(new HelpDiagnostic(file, block.Line + 1, section, $"content before the first '{new string('#', level)} ' entry heading."));
                }
            }
            return groups;
        }

        private static int FirstContentLine(LeafBlock block) =>
            block.Lines.Count > 0 ? block.Lines.Lines[0].Line + 1 : block.Line + 2;

        private static int IndexOf(string section)
        {
            for (int i = 0; i < SectionOrder.Count; i++)
            {
                if (SectionOrder[i] == section)
                {
                    return i;
                }
            }
            return -1;
        }
    }
}
