using System.Collections.Generic;
using Tomlyn;
using Tomlyn.Model;

namespace TcpLb.Configuration
{
    /// <summary>Writes the neutral tree as TOML with Tomlyn: keys snake_case, servers as [[server]] tables.</summary>
    public static class TomlConfigurationWriter
    {
        private static readonly TomlSerializerOptions Layout = new TomlSerializerOptions
        {
            BlankLineBeforeTableHeaders = true,
            ArrayLayout = TomlArrayLayout.Multiline,
        };

        public static string Write(ConfigurationNode root) => TomlSerializer.Serialize(ToTable(root, topLevel: true), Layout);

        private static TomlTable ToTable(ConfigurationNode node, bool topLevel)
        {
            var table = new TomlTable();
            foreach (KeyValuePair<string, ConfigurationNode> entry in node.Entries)
            {
                table[entry.Key] = ToValue(entry.Value, topLevel);
            }
            return table;
        }

        private static object ToValue(ConfigurationNode node, bool topLevel)
        {
            switch (node.Kind)
            {
                case ConfigurationNodeKind.Table:
                    return ToTable(node, topLevel: false);
                case ConfigurationNodeKind.List when topLevel && System.Linq.Enumerable.All(node.Items, i => i.Kind == ConfigurationNodeKind.Table):
                    var tables = new TomlTableArray();
                    foreach (ConfigurationNode item in node.Items)
                    {
                        tables.Add(ToTable(item, topLevel: false));
                    }
                    return tables;
                case ConfigurationNodeKind.List:
                    var array = new TomlArray();
                    foreach (ConfigurationNode item in node.Items)
                    {
                        array.Add(ToValue(item, topLevel: false));
                    }
                    return array;
                default:
                    return node.Value!;
            }
        }
    }
}
