using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace TcpLb.Configuration
{
    /// <summary>Writes the neutral tree as indented JSON with System.Text.Json: keys camelCase; '+' and '<' stay as they are (the file is not for HTML).</summary>
    public static class JsonConfigurationWriter
    {
        public static string Write(ConfigurationNode root)
        {
            using (var buffer = new MemoryStream())
            {
                using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                {
                    WriteValue(writer, root);
                }
                return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
            }
        }

        private static void WriteValue(Utf8JsonWriter writer, ConfigurationNode node)
        {
            switch (node.Kind)
            {
                case ConfigurationNodeKind.Table:
                    writer.WriteStartObject();
                    foreach (KeyValuePair<string, ConfigurationNode> entry in node.Entries)
                    {
                        writer.WritePropertyName(ConfigurationKey.Camel(entry.Key));
                        WriteValue(writer, entry.Value);
                    }
                    writer.WriteEndObject();
                    break;
                case ConfigurationNodeKind.List:
                    writer.WriteStartArray();
                    foreach (ConfigurationNode item in node.Items)
                    {
                        WriteValue(writer, item);
                    }
                    writer.WriteEndArray();
                    break;
                case ConfigurationNodeKind.String:
                    writer.WriteStringValue((string)node.Value!);
                    break;
                case ConfigurationNodeKind.Integer:
                    writer.WriteNumberValue((long)node.Value!);
                    break;
                case ConfigurationNodeKind.Float:
                    writer.WriteNumberValue((double)node.Value!);
                    break;
                case ConfigurationNodeKind.Boolean:
                    writer.WriteBooleanValue((bool)node.Value!);
                    break;
                default:
                    writer.WriteNullValue();
                    break;
            }
        }
    }
}
