using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace TcpLb.Configuration
{
    /// <summary>
    /// Writes the neutral tree as a PowerShell data file: keys PascalCase, strings in single quotes,
    /// only constants (so Import-PowerShellDataFile and -ConfigurationPath read it without running code).
    /// </summary>
    public static class Psd1ConfigurationWriter
    {
        private const string Indent = "    ";

        public static string Write(ConfigurationNode root)
        {
            var text = new StringBuilder();
            WriteValue(text, root, 0);
            return text.Append('\n').ToString();
        }

        private static void WriteValue(StringBuilder text, ConfigurationNode node, int depth)
        {
            switch (node.Kind)
            {
                case ConfigurationNodeKind.Table:
                    text.Append("@{\n");
                    foreach (KeyValuePair<string, ConfigurationNode> entry in node.Entries)
                    {
                        Pad(text, depth + 1).Append(ConfigurationKey.Pascal(entry.Key)).Append(" = ");
                        WriteValue(text, entry.Value, depth + 1);
                        text.Append('\n');
                    }
                    Pad(text, depth).Append('}');
                    break;
                case ConfigurationNodeKind.List:
                    text.Append("@(\n");
                    foreach (ConfigurationNode item in node.Items)
                    {
                        Pad(text, depth + 1);
                        WriteValue(text, item, depth + 1);
                        text.Append('\n');
                    }
                    Pad(text, depth).Append(')');
                    break;
                case ConfigurationNodeKind.String:
                    WriteString(text, (string)node.Value!);
                    break;
                case ConfigurationNodeKind.Integer:
                    text.Append(((long)node.Value!).ToString(CultureInfo.InvariantCulture));
                    break;
                case ConfigurationNodeKind.Float:
                    text.Append(((double)node.Value!).ToString("R", CultureInfo.InvariantCulture));
                    break;
                case ConfigurationNodeKind.Boolean:
                    text.Append((bool)node.Value! ? "$true" : "$false");
                    break;
                default:
                    text.Append("$null");
                    break;
            }
        }

        /// <summary>Single quotes (every PowerShell single-quote character doubled); double quotes with backtick escapes when the text holds control characters.</summary>
        private static void WriteString(StringBuilder text, string value)
        {
            bool control = false;
            foreach (char c in value)
            {
                control |= c < ' ';
            }
            if (!control)
            {
                text.Append('\'');
                foreach (char c in value)
                {
                    text.Append(c);
                    if (c == '\'' || c == '\u2018' || c == '\u2019' || c == '\u201A' || c == '\u201B')
                    {
                        text.Append(c);
                    }
                }
                text.Append('\'');
                return;
            }
            text.Append('"');
            foreach (char c in value)
            {
                switch (c)
                {
                    case '\n': text.Append("`n"); break;
                    case '\r': text.Append("`r"); break;
                    case '\t': text.Append("`t"); break;
                    case '\0': text.Append("`0"); break;
                    case '`': case '$': case '"': case '\u201C': case '\u201D': case '\u201E':
                        text.Append('`').Append(c);
                        break;
                    default:
                        if (c < ' ')
                        {
                            text.Append("`u{").Append(((int)c).ToString("X", CultureInfo.InvariantCulture)).Append('}');
                        }
                        else
                        {
                            text.Append(c);
                        }
                        break;
                }
            }
            text.Append('"');
        }

        private static StringBuilder Pad(StringBuilder text, int depth)
        {
            for (int i = 0; i < depth; i++)
            {
                text.Append(Indent);
            }
            return text;
        }
    }
}
