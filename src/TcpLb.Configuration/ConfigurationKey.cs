using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using TcpLb.Engine.Balancing;

namespace TcpLb.Configuration
{
    /// <summary>
    /// Key names: the schema spells them snake_case; files may write any case with or without '_'
    /// or '-' (max_connections, MaxConnections, maxConnections are one key). Writers spell them
    /// snake_case (TOML), camelCase (JSON) or PascalCase (psd1).
    /// </summary>
    internal static class ConfigurationKey
    {
        public static string Normalize(string key) => BackendDefinition.NormalizeKey(key);

        public static string Pascal(string snake)
        {
            var text = new StringBuilder(snake.Length);
            foreach (string part in snake.Split('_'))
            {
                if (part.Length > 0)
                {
                    text.Append(char.ToUpperInvariant(part[0])).Append(part.Substring(1));
                }
            }
            return text.ToString();
        }

        public static string Camel(string snake)
        {
            string pascal = Pascal(snake);
            return pascal.Length == 0 ? pascal : char.ToLowerInvariant(pascal[0]) + pascal.Substring(1);
        }

        /// <summary>"Unknown key 'x'. Did you mean 'y'? Valid keys here: ..."</summary>
        public static string Unknown(string key, IReadOnlyList<string> valid)
        {
            string normalized = Normalize(key);
            string? nearest = valid
                .Select(v => new { Key = v, Distance = Distance(normalized, Normalize(v)) })
                .Where(c => c.Distance <= Math.Max(2, normalized.Length / 3))
                .OrderBy(c => c.Distance)
                .Select(c => c.Key)
                .FirstOrDefault();
            string suggestion = nearest == null ? "" : $" Did you mean '{nearest}'?";
            return $"'{key}' is not a known key.{suggestion} Valid keys here: {string.Join(", ", valid)}.";
        }

        /// <summary>Levenshtein distance.</summary>
        private static int Distance(string a, string b)
        {
            var previous = new int[b.Length + 1];
            var current = new int[b.Length + 1];
            for (int j = 0; j <= b.Length; j++)
            {
                previous[j] = j;
            }
            for (int i = 1; i <= a.Length; i++)
            {
                current[0] = i;
                for (int j = 1; j <= b.Length; j++)
                {
                    int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                    current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
                }
                int[] swap = previous;
                previous = current;
                current = swap;
            }
            return previous[b.Length];
        }
    }
}
