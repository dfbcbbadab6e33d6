using System;
using System.Globalization;
using TcpLb.Engine.Net;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// Where a backend listens, as a user writes it: a port (loopback, 127.0.0.1),
    /// host:port, or [IPv6]:port.
    /// </summary>
    public sealed class BackendAddress : IEquatable<BackendAddress>
    {
        public const string AcceptedForms = "a port (8088, meaning 127.0.0.1:8088), host:port (127.0.0.1:8088, localhost:8088) or [IPv6]:port ([::1]:8088), with a port from 1 to 65535";

        public BackendAddress(string host, int port)
        {
            if (string.IsNullOrWhiteSpace(host))
            {
                throw new ArgumentException("The backend host is empty.", nameof(host));
            }
            if (port < 1 || port > 65535)
            {
                throw new ArgumentOutOfRangeException(nameof(port), port, $"Backend port {port} is out of range: use 1 to 65535.");
            }
            Host = host;
            Port = port;
        }

        public string Host { get; }

        public int Port { get; }

        /// <summary>Parses a port, host:port or [IPv6]:port; throws <see cref="FormatException"/> naming the text otherwise.</summary>
        public static BackendAddress Parse(string text)
        {
            if (TryParse(text, out BackendAddress? address, out string? reason))
            {
                return address!;
            }
            throw new FormatException(reason);
        }

        public static bool TryParse(string? text, out BackendAddress? address, out string? reason)
        {
            address = null;
            string shown = text ?? "";
            string trimmed = shown.Trim();
            if (trimmed.Length == 0)
            {
                reason = $"'{shown}' is not a valid backend: it is empty. Accepted: {AcceptedForms}.";
                return false;
            }

            string host;
            string portText;
            if (trimmed.StartsWith("[", StringComparison.Ordinal))
            {
                int close = trimmed.IndexOf(']');
                if (close < 0 || close + 1 >= trimmed.Length || trimmed[close + 1] != ':')
                {
                    reason = $"'{shown}' is not a valid backend: an IPv6 address needs the form [address]:port. Accepted: {AcceptedForms}.";
                    return false;
                }
                host = trimmed.Substring(1, close - 1);
                portText = trimmed.Substring(close + 2);
                if (!System.Net.IPAddress.TryParse(host, out _))
                {
                    reason = $"'{shown}' is not a valid backend: '{host}' is not an IPv6 address. Accepted: {AcceptedForms}.";
                    return false;
                }
            }
            else
            {
                int colon = trimmed.LastIndexOf(':');
                if (colon < 0)
                {
                    host = "127.0.0.1";
                    portText = trimmed;
                }
                else if (trimmed.IndexOf(':') != colon)
                {
                    reason = $"'{shown}' is not a valid backend: write an IPv6 address in brackets, as [::1]:8088. Accepted: {AcceptedForms}.";
                    return false;
                }
                else
                {
                    host = trimmed.Substring(0, colon);
                    portText = trimmed.Substring(colon + 1);
                    if (host.Length == 0)
                    {
                        reason = $"'{shown}' is not a valid backend: the host before ':' is empty. Accepted: {AcceptedForms}.";
                        return false;
                    }
                }
            }

            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port))
            {
                reason = $"'{shown}' is not a valid backend: '{portText}' is not a port number. Accepted: {AcceptedForms}.";
                return false;
            }
            if (port < 1 || port > 65535)
            {
                reason = $"'{shown}' is not a valid backend: port {port} is out of range. Accepted: {AcceptedForms}.";
                return false;
            }
            address = new BackendAddress(host, port);
            reason = null;
            return true;
        }

        public override string ToString() => Endpoints.Format(Host, Port);

        public bool Equals(BackendAddress? other)
            => other != null && Port == other.Port && string.Equals(Host, other.Host, StringComparison.OrdinalIgnoreCase);

        public override bool Equals(object? obj) => Equals(obj as BackendAddress);

        public override int GetHashCode() => StringComparer.OrdinalIgnoreCase.GetHashCode(Host) * 31 + Port;
    }
}
