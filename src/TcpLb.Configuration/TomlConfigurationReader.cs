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
        public static ConfigurationNode Read(string text, string source)
        {
            // The syntax parser validates (a key defined twice is an error there, not in the model).
            DocumentSyntax document = SyntaxParser.Parse(text, source, true);
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
                table = TomlSerializer.Deserialize<TomlTable>(text, new TomlSerializerOptions { SourceName = source, MetadataStore = metadata })!;
            }
            catch (TomlException e)
            {
                throw new ConfigurationException(source, e.Line > 0 ? e.Line : (int?)null, null, $"not valid TOML: {e.Message}");
            }
            return Convert(table, 1, metadata);
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
