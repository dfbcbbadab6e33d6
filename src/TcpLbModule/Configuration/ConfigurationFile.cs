using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
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

        /// <summary>Reads the file, or stops the cmdlet with an error naming the file (and where the format has one, the line, key and value).</summary>
        public static IReadOnlyList<BalancerDefinition> ReadOrFail(PSCmdlet cmdlet, string path)
        {
            try
            {
                return Read(path);
            }
            catch (ConfigurationException e)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(e, "InvalidConfigurationFile", ErrorCategory.InvalidData, path));
            }
            catch (FileNotFoundException e)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(e, "ConfigurationFileNotFound", ErrorCategory.ObjectNotFound, path));
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(new IOException($"The configuration file '{path}' cannot be read: {e.Message}", e), "ConfigurationFileUnreadable", ErrorCategory.ReadError, path));
            }
            return null!; // not reached: ThrowTerminatingError throws
        }
    }
}
