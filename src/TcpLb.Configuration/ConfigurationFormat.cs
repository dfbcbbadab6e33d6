namespace TcpLb.Configuration
{
    /// <summary>The formats a balancer's configuration is read from or written to.</summary>
    public enum ConfigurationFormat
    {
        /// <summary>A PowerShell data file (.psd1).</summary>
        Psd1,

        /// <summary>JSON (.json).</summary>
        Json,

        /// <summary>TOML (.toml), the seed's format.</summary>
        Toml,

        /// <summary>An HAProxy configuration (mode tcp); written only.</summary>
        HAProxy,

        /// <summary>An nginx stream configuration; written only.</summary>
        Nginx,
    }
}
