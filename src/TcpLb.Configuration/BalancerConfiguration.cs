using System;
using System.Collections.Generic;
using System.IO;

namespace TcpLb.Configuration
{
    /// <summary>Reads and writes balancer configuration files: psd1 (read by the module with PowerShell's parser), JSON and TOML.</summary>
    public static class BalancerConfiguration
    {
        public const string AcceptedExtensions = ".psd1 (a PowerShell data file), .json or .toml";

        /// <summary>The format a file's extension names; a <see cref="ConfigurationException"/> for any other.</summary>
        public static ConfigurationFormat FormatOf(string path)
        {
            switch (Path.GetExtension(path).ToLowerInvariant())
            {
                case ".psd1":
                    return ConfigurationFormat.Psd1;
                case ".json":
                    return ConfigurationFormat.Json;
                case ".toml":
                    return ConfigurationFormat.Toml;
                default:
                    throw new ConfigurationException(path, null, null, $"'{Path.GetExtension(path)}' is not a configuration file extension. Accepted: {AcceptedExtensions}.");
            }
        }

        /// <summary>Reads JSON or TOML text (psd1 needs PowerShell's parser: the module reads it into a tree and calls <see cref="ConfigurationBinder.Bind"/>).</summary>
        public static IReadOnlyList<BalancerDefinition> Read(string text, ConfigurationFormat format, string source)
        {
            switch (format)
            {
                case ConfigurationFormat.Json:
                    return ConfigurationBinder.Bind(JsonConfigurationReader.Read(text, source), source);
                case ConfigurationFormat.Toml:
                    return ConfigurationBinder.Bind(TomlConfigurationReader.Read(text, source), source);
                default:
                    throw new NotSupportedException($"{format} text is not read here. JSON and TOML are; a psd1 file is parsed by the module.");
            }
        }

        /// <summary>
        /// The balancers as a file of this format: psd1, JSON and TOML read back to the same
        /// options; HAProxy and nginx get their closest equivalents, with a comment on what has none.
        /// </summary>
        public static string Write(IEnumerable<BalancerDefinition> balancers, ConfigurationFormat format)
        {
            var list = new List<BalancerDefinition>(balancers);
            switch (format)
            {
                case ConfigurationFormat.Psd1:
                    return Psd1ConfigurationWriter.Write(ConfigurationBinder.Unbind(list));
                case ConfigurationFormat.Json:
                    return JsonConfigurationWriter.Write(ConfigurationBinder.Unbind(list));
                case ConfigurationFormat.Toml:
                    return TomlConfigurationWriter.Write(ConfigurationBinder.Unbind(list));
                case ConfigurationFormat.HAProxy:
                    return new Export.HAProxyConfigurationWriter().Write(list);
                case ConfigurationFormat.Nginx:
                    return new Export.NginxConfigurationWriter().Write(list);
                default:
                    throw new ArgumentOutOfRangeException(nameof(format), format, "Accepted: Psd1, Json, Toml, HAProxy, Nginx.");
            }
        }
    }
}
