using System;
using System.Globalization;
using System.Text;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// A backend as a pool is configured with it: its address and how the balancer treats it.
    /// Written as text it is the address followed by settings, each after a ';':
    /// <c>127.0.0.1:8081;weight=3</c>, <c>8082;backup</c>, <c>8083;weight=2;max_connections=100</c>.
    /// </summary>
    public sealed class BackendDefinition
    {
        public const int DefaultWeight = 1;
        public const int MaxWeight = 256;

        public const string AcceptedSettings = "weight=N (1 to 256, default 1), backup, max_connections=N (0 for no limit; left out: the balancer's -BackendMaxConnections), send_proxy=v1|v2|none (left out: the balancer's -SendProxyProtocol)";

        public BackendDefinition(BackendAddress address, int weight = DefaultWeight, bool backup = false, int? maxConnections = null, Net.ProxyProtocolVersion? sendProxyProtocol = null)
        {
            Address = address ?? throw new ArgumentNullException(nameof(address));
            if (weight < 1 || weight > MaxWeight)
            {
                throw new ArgumentOutOfRangeException(nameof(weight), weight, $"Backend {address}: weight {weight} is out of range. Use 1 to {MaxWeight}.");
            }
            if (maxConnections < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(maxConnections), maxConnections, $"Backend {address}: max_connections {maxConnections} is out of range. Use 0 (no limit) or more.");
            }
            Weight = weight;
            Backup = backup;
            MaxConnections = maxConnections;
            SendProxyProtocol = sendProxyProtocol;
        }

        public BackendAddress Address { get; }

        /// <summary>Its share of new connections relative to the others, for the algorithms that use weights.</summary>
        public int Weight { get; }

        /// <summary>Used only while every primary (non-backup) backend is Down, Disabled or Draining.</summary>
        public bool Backup { get; }

        /// <summary>Open connections allowed at once; 0: no limit; null: the balancer's <see cref="TcpBalancerOptions.BackendMaxConnections"/>.</summary>
        public int? MaxConnections { get; }

        /// <summary>The PROXY protocol header this backend gets first on each connection; null: the balancer's SendProxyProtocol.</summary>
        public Net.ProxyProtocolVersion? SendProxyProtocol { get; }

        public static implicit operator BackendDefinition(BackendAddress address) => new BackendDefinition(address);

        /// <summary>Parses "address[;setting]..."; throws <see cref="FormatException"/> naming the text otherwise.</summary>
        public static BackendDefinition Parse(string text)
        {
            if (TryParse(text, out BackendDefinition? definition, out string? reason))
            {
                return definition!;
            }
            throw new FormatException(reason);
        }

        public static bool TryParse(string? text, out BackendDefinition? definition, out string? reason)
        {
            definition = null;
            string shown = text ?? "";
            string[] parts = shown.Split(';');
            if (!BackendAddress.TryParse(parts[0], out BackendAddress? address, out reason))
            {
                if (parts.Length > 1)
                {
                    reason = $"'{shown}' is not a valid backend: the address before ';' is not valid. {reason}";
                }
                return false;
            }
            int weight = DefaultWeight;
            bool backup = false;
            int? maxConnections = null;
            Net.ProxyProtocolVersion? sendProxy = null;
            for (int i = 1; i < parts.Length; i++)
            {
                string part = parts[i].Trim();
                int equals = part.IndexOf('=');
                string key = NormalizeKey(equals < 0 ? part : part.Substring(0, equals));
                string? value = equals < 0 ? null : part.Substring(equals + 1).Trim();
                switch (key)
                {
                    case "weight" when value != null:
                        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out weight) || weight < 1 || weight > MaxWeight)
                        {
                            reason = $"'{shown}' is not a valid backend: weight '{value}' is not a whole number from 1 to {MaxWeight}. Accepted settings after ';': {AcceptedSettings}.";
                            return false;
                        }
                        break;
                    case "backup" when value == null || bool.TryParse(value, out backup):
                        backup = value == null || backup;
                        break;
                    case "maxconnections" when value != null:
                        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int limit))
                        {
                            maxConnections = limit;
                        }
                        else
                        {
                            reason = $"'{shown}' is not a valid backend: max_connections '{value}' is not a whole number, 0 or more. Accepted settings after ';': {AcceptedSettings}.";
                            return false;
                        }
                        break;
                    case "sendproxy" when value != null:
                        switch (value.ToLowerInvariant())
                        {
                            case "v1":
                                sendProxy = Net.ProxyProtocolVersion.V1;
                                break;
                            case "v2":
                                sendProxy = Net.ProxyProtocolVersion.V2;
                                break;
                            case "none":
                                sendProxy = Net.ProxyProtocolVersion.None;
                                break;
                            default:
                                reason = $"'{shown}' is not a valid backend: send_proxy '{value}' is not v1, v2 or none. Accepted settings after ';': {AcceptedSettings}.";
                                return false;
                        }
                        break;
                    default:
                        reason = $"'{shown}' is not a valid backend: '{part}' is not a backend setting. Accepted settings after ';': {AcceptedSettings}.";
                        return false;
                }
            }
            definition = new BackendDefinition(address!, weight, backup, maxConnections, sendProxy);
            reason = null;
            return true;
        }

        /// <summary>The text form, which <see cref="Parse"/> reads back: settings left at their defaults are left out.</summary>
        public override string ToString()
        {
            var text = new StringBuilder(Address.ToString());
            if (Weight != DefaultWeight)
            {
                text.Append(";weight=").Append(Weight.ToString(CultureInfo.InvariantCulture));
            }
            if (Backup)
            {
                text.Append(";backup");
            }
            if (MaxConnections.HasValue)
            {
                text.Append(";max_connections=").Append(MaxConnections.Value.ToString(CultureInfo.InvariantCulture));
            }
            if (SendProxyProtocol.HasValue)
            {
                text.Append(";send_proxy=").Append(SendProxyProtocol.Value.ToString().ToLowerInvariant());
            }
            return text.ToString();
        }

        /// <summary>Setting names compare without case, '_' or '-': max_connections, MaxConnections and max-connections are one key.</summary>
        public static string NormalizeKey(string key)
        {
            var normalized = new StringBuilder(key.Length);
            foreach (char c in key.Trim())
            {
                if (c != '_' && c != '-')
                {
                    normalized.Append(char.ToLowerInvariant(c));
                }
            }
            return normalized.ToString();
        }
    }
}
