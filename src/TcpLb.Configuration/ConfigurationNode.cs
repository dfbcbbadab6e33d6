using System.Collections.Generic;

namespace TcpLb.Configuration
{
    /// <summary>What a <see cref="ConfigurationNode"/> holds.</summary>
    public enum ConfigurationNodeKind
    {
        Table,
        List,
        String,
        Integer,
        Float,
        Boolean,
        Null,
    }

    /// <summary>
    /// A configuration file as every format reads into and writes from: tables (keys in file
    /// order), lists and scalars, each with the line it stands on where the format tells it.
    /// </summary>
    public sealed class ConfigurationNode
    {
        private ConfigurationNode(ConfigurationNodeKind kind, object? value, int? line)
        {
            Kind = kind;
            Value = value;
            Line = line;
        }

        public ConfigurationNodeKind Kind { get; }

        /// <summary>A string, a long, a double or a bool; null for tables, lists and null.</summary>
        public object? Value { get; }

        /// <summary>1-based line of the key (or item) in the file; null where the format does not say.</summary>
        public int? Line { get; }

        /// <summary>A table's keys and values, in the order of the file.</summary>
        public IList<KeyValuePair<string, ConfigurationNode>> Entries { get; } = new List<KeyValuePair<string, ConfigurationNode>>();

        /// <summary>A list's items.</summary>
        public IList<ConfigurationNode> Items { get; } = new List<ConfigurationNode>();

        public static ConfigurationNode Table(int? line = null) => new ConfigurationNode(ConfigurationNodeKind.Table, null, line);

        public static ConfigurationNode List(int? line = null) => new ConfigurationNode(ConfigurationNodeKind.List, null, line);

        public static ConfigurationNode Null(int? line = null) => new ConfigurationNode(ConfigurationNodeKind.Null, null, line);

        /// <summary>A scalar; integers of any size become a long, other numbers a double.</summary>
        public static ConfigurationNode Scalar(object value, int? line = null)
        {
            switch (value)
            {
                case string text:
                    return new ConfigurationNode(ConfigurationNodeKind.String, text, line);
                case bool flag:
                    return new ConfigurationNode(ConfigurationNodeKind.Boolean, flag, line);
                case int _:
                case long _:
                case short _:
                case byte _:
                case sbyte _:
                case ushort _:
                case uint _:
                    return new ConfigurationNode(ConfigurationNodeKind.Integer, System.Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture), line);
                case float _:
                case double _:
                case decimal _:
                    return new ConfigurationNode(ConfigurationNodeKind.Float, System.Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture), line);
                default:
                    return new ConfigurationNode(ConfigurationNodeKind.String, System.Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "", line);
            }
        }

        /// <summary>Adds a key to a table (the writers' way to build one).</summary>
        public ConfigurationNode Add(string key, ConfigurationNode value)
        {
            Entries.Add(new KeyValuePair<string, ConfigurationNode>(key, value));
            return this;
        }
    }
}
