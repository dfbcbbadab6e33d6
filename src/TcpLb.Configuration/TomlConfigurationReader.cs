using System.Collections.Generic;
using Tomlyn;
using Tomlyn.Model;
using Tomlyn.Parsing;
using Tomlyn.Serialization;
using Tomlyn.Syntax;

namespace TcpLb.Configuration
{
    /// <summary>Reads TOML with Tomlyn into the neutral tree, each key with its line.</summary>
    public static class TomlConfigurationReader
    {
        /// <summary>Arrays and inline tables nested deeper than this are refused (a configuration needs a handful).</summary>
        internal const int MaxDepth = 64;

        public static ConfigurationNode Read(string text, string source)
        {
            // The syntax parser validates (a key defined twice is an error there, not in the model).
            DocumentSyntax document;
            try
            {
                document = SyntaxParser.Parse(text, new TomlSerializerOptions { MaxDepth = MaxDepth }, source, true);
            }
            catch (TomlException e)
            {
                throw Invalid(e, text, source);
            }
            if (document.HasErrors)
            {
                foreach (DiagnosticMessage diagnostic in document.Diagnostics)
                {
                    if (diagnostic.Kind == DiagnosticMessageKind.Error)
                    {
                        throw new ConfigurationException(source, diagnostic.Span.Start.Line + 1, null, $"not valid TOML: {diagnostic.Message}.");
                    }
                }
            }
            var metadata = new TomlMetadataStore();
            TomlTable table;
            try
            {
                table = TomlSerializer.Deserialize<TomlTable>(text, new TomlSerializerOptions { SourceName = source, MetadataStore = metadata, MaxDepth = MaxDepth })!;
            }
            catch (TomlException e)
            {
                throw Invalid(e, text, source);
            }
            return Convert(table, 1, metadata);
        }

        /// <summary>Tomlyn's error as ours: with its line, and a nesting too deep said in the file's terms (Tomlyn names neither).</summary>
        private static ConfigurationException Invalid(TomlException e, string text, string source)
        {
            if (e.Message.IndexOf("maximum depth", System.StringComparison.OrdinalIgnoreCase) >= 0)
            {
                return new ConfigurationException(source, e.Line > 0 ? e.Line : LineBeyondDepth(text), null,
                    $"not valid TOML: values are nested deeper than {MaxDepth} levels of arrays and inline tables. Accepted: at most {MaxDepth} levels; a configuration needs a handful (server, forward, backends, one backend's settings), written as [[server]] and [server.forward] tables or shallow inline values.");
            }
            return new ConfigurationException(source, e.Line > 0 ? e.Line : (int?)null, null, $"not valid TOML: {e.Message}");
        }

        /// <summary>
        /// The line where brackets and braces outside strings and comments first open more than
        /// <see cref="MaxDepth"/> deep (null when they never do).
        /// </summary>
        private static int? LineBeyondDepth(string text)
        {
            int line = 1;
            int depth = 0;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                switch (c)
                {
                    case '\n':
                        line++;
                        break;
                    case '#':
                        while (i + 1 < text.Length && text[i + 1] != '\n')
                        {
                            i++;
                        }
                        break;
                    case '"':
                    case '\'':
                        i = SkipString(text, i, ref line);
                        break;
                    case '[':
                    case '{':
                        if (++depth > MaxDepth)
                        {
                            return line;
                        }
                        break;
                    case ']':
                    case '}':
                        depth = System.Math.Max(0, depth - 1);
                        break;
                }
            }
            return null;
        }

        /// <summary>The index of a string's closing quote (basic or literal, single or multi-line), counting the lines it spans.</summary>
        private static int SkipString(string text, int start, ref int line)
        {
            char quote = text[start];
            bool multiLine = string.CompareOrdinal(text, start, new string(quote, 3), 0, 3) == 0;
            int i = start + (multiLine ? 3 : 1);
            for (; i < text.Length; i++)
            {
                char c = text[i];
                if (c == '\n')
                {
                    line++;
                }
                else if (c == '\\' && quote == '"')
                {
                    i++;
                }
                else if (c == quote && (!multiLine || string.CompareOrdinal(text, i, new string(quote, 3), 0, 3) == 0))
                {
                    return multiLine ? i + 2 : i;
                }
            }
            return i;
        }

        private static ConfigurationNode Convert(object? value, int? line, TomlMetadataStore metadata)
        {
            switch (value)
            {
                case TomlTable table:
                    ConfigurationNode node = ConfigurationNode.Table(line);
                    metadata.TryGetProperties(table, out TomlPropertiesMetadata? properties);
                    foreach (KeyValuePair<string, object> entry in table)
                    {
                        int? keyLine = line;
                        if (properties != null && properties.TryGetProperty(entry.Key, out TomlPropertyMetadata? property) && property != null)
                        {
                            keyLine = property.Span.Start.Line + 1;
                        }
                        node.Add(entry.Key, Convert(entry.Value, keyLine, metadata));
                    }
                    return node;
                case TomlTableArray tables:
                    ConfigurationNode tableList = ConfigurationNode.List(line);
                    foreach (TomlTable item in tables)
                    {
                        tableList.Items.Add(Convert(item, FirstLine(item, metadata) ?? line, metadata));
                    }
                    return tableList;
                case TomlArray array:
                    ConfigurationNode list = ConfigurationNode.List(line);
                    foreach (object? item in array)
                    {
                        list.Items.Add(Convert(item, (item is TomlTable inline ? FirstLine(inline, metadata) : null) ?? line, metadata));
                    }
                    return list;
                case null:
                    return ConfigurationNode.Null(line);
                default:
                    return ConfigurationNode.Scalar(value, line);
            }
        }

        /// <summary>A table's line: where its first key stands.</summary>
        private static int? FirstLine(TomlTable table, TomlMetadataStore metadata)
        {
            if (metadata.TryGetProperties(table, out TomlPropertiesMetadata? properties) && properties != null)
            {
                foreach (KeyValuePair<string, object> entry in table)
                {
                    if (properties.TryGetProperty(entry.Key, out TomlPropertyMetadata? property) && property != null)
                    {
                        return property.Span.Start.Line + 1;
                    }
                }
            }
            return null;
        }
    }
}
