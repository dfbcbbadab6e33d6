using System.Collections.Generic;
using System.Text;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace TcpLb.HelpBuilder
{
    /// <summary>
    /// Turns markdown blocks into the plain paragraphs MAML holds, the way platyPS does it:
    /// one maml:para per markdown paragraph, soft line breaks become spaces, a hard break starts a
    /// new paragraph, emphasis markers are dropped, a link becomes "text (uri)", inline code keeps
    /// its backticks, and each line of a code block is a paragraph of its own.
    /// </summary>
    internal static class MarkdownText
    {
        public static List<string> Paragraphs(IEnumerable<Block> blocks)
        {
            var paragraphs = new List<string>();
            foreach (Block block in blocks)
            {
                AddParagraphs(block, paragraphs, prefix: null);
            }
            return paragraphs;
        }

        /// <summary>Plain text of a heading (or any inline container) on one line.</summary>
        public static string InlineText(ContainerInline? inline)
        {
            if (inline == null)
            {
                return "";
            }
            var builder = new StringBuilder();
            AppendInlines(inline, builder, hardBreak: " ");
            return Collapse(builder.ToString());
        }

        /// <summary>The text of a code block, lines joined with '\n', without a trailing newline.</summary>
        public static string CodeText(LeafBlock code)
        {
            var builder = new StringBuilder();
            var lines = code.Lines;
            for (int i = 0; i < lines.Count; i++)
            {
                if (i > 0)
                {
                    builder.Append('\n');
                }
                builder.Append(lines.Lines[i].Slice.ToString());
            }
            return builder.ToString().TrimEnd('\n', '\r', ' ');
        }

        private static void AddParagraphs(Block block, List<string> paragraphs, string? prefix)
        {
            switch (block)
            {
                case ParagraphBlock paragraph:
                    var builder = new StringBuilder();
                    AppendInlines(paragraph.Inline, builder, hardBreak: "\n");
                    bool first = true;
                    foreach (string line in builder.ToString().Split('\n'))
                    {
                        string text = Collapse(line);
                        if (text.Length == 0)
                        {
                            continue;
                        }
                        paragraphs.Add(first && prefix != null ? prefix + text : text);
                        first = false;
                    }
                    break;

                case ListBlock list:
                    int number = 1;
                    if (list.IsOrdered && int.TryParse(list.OrderedStart, out int start))
                    {
                        number = start;
                    }
                    foreach (Block item in list)
                    {
                        string marker = list.IsOrdered ? $"{number++}. " : "- ";
                        bool firstChild = true;
                        foreach (Block child in (ContainerBlock)item)
                        {
                            AddParagraphs(child, paragraphs, firstChild ? marker : null);
                            firstChild = false;
                        }
                    }
                    break;

                case CodeBlock code:
                    foreach (string line in CodeText(code).Split('\n'))
                    {
                        paragraphs.Add(line);
                    }
                    break;

                case ContainerBlock container: // block quotes and the like
                    foreach (Block child in container)
                    {
                        AddParagraphs(child, paragraphs, prefix);
                    }
                    break;

                case HeadingBlock heading:
                    paragraphs.Add(InlineText(heading.Inline));
                    break;

                default:
                    // Thematic breaks, link reference definitions, blank lines: nothing to show.
                    break;
            }
        }

        private static void AppendInlines(ContainerInline? container, StringBuilder builder, string hardBreak)
        {
            if (container == null)
            {
                return;
            }
            foreach (Inline inline in container)
            {
                AppendInline(inline, builder, hardBreak);
            }
        }

        private static void AppendInline(Inline inline, StringBuilder builder, string hardBreak)
        {
            switch (inline)
            {
                case LiteralInline literal:
                    builder.Append(literal.Content.ToString());
                    break;
                case CodeInline code:
                    builder.Append('`').Append(code.Content).Append('`');
                    break;
                case LineBreakInline lineBreak:
                    builder.Append(lineBreak.IsHard ? hardBreak : " ");
                    break;
                case AutolinkInline autolink:
                    builder.Append(autolink.Url);
                    break;
                case LinkInline link:
                    var text = new StringBuilder();
                    AppendInlines(link, text, hardBreak);
                    builder.Append(text);
                    if (!link.IsImage && !string.IsNullOrWhiteSpace(link.Url) && link.Url != text.ToString())
                    {
                        builder.Append(" (").Append(link.Url).Append(')');
                    }
                    break;
                case HtmlEntityInline entity:
                    builder.Append(entity.Transcoded.ToString());
                    break;
                case HtmlInline html:
                    builder.Append(html.Tag);
                    break;
                case ContainerInline container: // emphasis: keep the text, drop the markers
                    AppendInlines(container, builder, hardBreak);
                    break;
                default:
                    builder.Append(inline.ToString());
                    break;
            }
        }

        /// <summary>Trims and folds runs of spaces and tabs into one space.</summary>
        private static string Collapse(string text)
        {
            var builder = new StringBuilder(text.Length);
            bool space = false;
            foreach (char c in text.Trim())
            {
                if (c == ' ' || c == '\t')
                {
                    if (!space)
                    {
                        builder.Append(' ');
                    }
                    space = true;
                }
                else
                {
                    builder.Append(c);
                    space = false;
                }
            }
            return builder.ToString();
        }
    }
}
