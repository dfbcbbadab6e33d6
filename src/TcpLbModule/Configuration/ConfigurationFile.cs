using System.Collections.Generic;
using System.IO;
using TcpLb.Configuration;

namespace TcpLbModule.Configuration
{
    /// <summary>Reads a configuration file by its extension: .psd1 with PowerShell's parser, .json and .toml in TcpLb.Configuration.</summary>
    internal static class ConfigurationFile
    {
        public static IReadOnlyList<BalancerDefinition> Read(string path)
        {
            ConfigurationFormat format = BalancerConfiguration.FormatOf(path);
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"The configuration file '{path}' does not exist.", path);
            }
            if (format == ConfigurationFormat.Psd1)
            {
                return ConfigurationBinder.Bind(PowerShellDataFileReader.Read(path), path);
            }
            return BalancerConfiguration.Read(File.ReadAllText(path), format, path);
        }
    }
}
