using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;

namespace TcpLb.Configuration
{
    /// <summary>Reads JSON (comments and trailing commas allowed) with System.Text.Json's reader into the neutral tree, each key with its line.</summary>
    public static class JsonConfigurationReader
    {
        public static ConfigurationNode Read(string text, string source)
        {
            if (text.Trim().TrimStart('\uFEFF').Length == 0)
            {
                throw new ConfigurationException(source, null, null, "the file is empty; it must hold a JSON object with a \"server\" list.");
            }
            byte[] utf8 = Encoding.UTF8.GetBytes(text.TrimStart('\uFEFF'));
            var lines = new LineMap(utf8);
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            try
            {
                reader.Read();
                ConfigurationNode root = ReadValue(ref reader, lines.LineOf(reader.TokenStartIndex), lines);
                if (reader.Read())
                {
                    throw new ConfigurationException(source, lines.LineOf(reader.TokenStartIndex), null, "not valid JSON: more follows the top-level value.");
                }
                return root;
            }
            catch (JsonException e)
            {
                string message = e.Message;
                int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
                if (cut > 0)
                {
                    message = message.Substring(0, cut);
                }
                throw new ConfigurationException(source, e.LineNumber.HasValue ? (int)e.LineNumber.Value + 1 : (int?)null, null, $"not valid JSON: {message}");
            }
        }

        private static ConfigurationNode ReadValue(ref Utf8JsonReader reader, int line, LineMap lines)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    ConfigurationNode table = ConfigurationNode.Table(line);
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                    {
                        string key = reader.GetString()!;
                        int keyLine = lines.LineOf(reader.TokenStartIndex);
                        reader.Read();
                        table.Add(key, ReadValue(ref reader, keyLine, lines));
                    }
                    return table;
                case JsonTokenType.StartArray:
                    ConfigurationNode list = ConfigurationNode.List(line);
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        list.Items.Add(ReadValue(ref reader, lines.LineOf(reader.TokenStartIndex), lines));
                    }
                    return list;
                case JsonTokenType.String:
                    return ConfigurationNode.Scalar(reader.GetString()!, line);
                case JsonTokenType.Number:
                    return reader.TryGetInt64(out long whole) ? ConfigurationNode.Scalar(whole, line) : ConfigurationNode.Scalar(reader.GetDouble(), line);
                case JsonTokenType.True:
                    return ConfigurationNode.Scalar(true, line);
                case JsonTokenType.False:
                    return ConfigurationNode.Scalar(false, line);
                default:
                    return ConfigurationNode.Null(line);
            }
        }

        /// <summary>Byte offset to 1-based line.</summary>
        private sealed class LineMap
        {
            private readonly List<long> _starts = new List<long> { 0 };

            public LineMap(byte[] utf8)
            {
                for (int i = 0; i < utf8.Length; i++)
                {
                    if (utf8[i] == (byte)'\n')
                    {
                        _starts.Add(i + 1);
                    }
                }
            }

            public int LineOf(long offset)
            {
                int index = _starts.BinarySearch(offset);
                return (index >= 0 ? index : ~index - 1) + 1;
            }
        }
    }
}
