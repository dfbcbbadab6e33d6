using System;

namespace TcpLb.Configuration
{
    /// <summary>
    /// A configuration file that cannot be used: the message names the file, the line where the
    /// format has one, the key, the bad value and what is accepted.
    /// </summary>
    public sealed class ConfigurationException : FormatException
    {
        public ConfigurationException(string source, int? line, string? keyPath, string problem)
            : base(Compose(source, line, keyPath, problem))
        {
            Source = source;
            Line = line;
            KeyPath = keyPath;
            Problem = problem;
        }

        /// <summary>The file (or the name the text was read under).</summary>
        public new string Source { get; }

        public int? Line { get; }

        /// <summary>Where in the file, as server[0].forward.backends[1].weight; null for a syntax error.</summary>
        public string? KeyPath { get; }

        /// <summary>The message without the location.</summary>
        public string Problem { get; }

        private static string Compose(string source, int? line, string? keyPath, string problem)
        {
            string where = line.HasValue ? $"{source}, line {line.Value}" : source;
            return keyPath == null ? $"{where}: {problem}" : $"{where}: {keyPath}: {problem}";
        }
    }
}
