using System;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Sockets;

namespace TcpLb.Engine.Net
{
    /// <summary>Formatting and resolution of the addresses users type.</summary>
    public static class Endpoints
    {
        /// <summary>"127.0.0.1:8080" or "[::1]:8080".</summary>
        public static string Format(IPEndPoint endPoint) => Format(endPoint.Address.ToString(), endPoint.Port, endPoint.AddressFamily == AddressFamily.InterNetworkV6);

        public static string Format(string host, int port, bool bracket)
            => (bracket ? "[" + host + "]" : host) + ":" + port.ToString(CultureInfo.InvariantCulture);

        public static string Format(string host, int port) => Format(host, port, host.IndexOf(':') >= 0);

        /// <summary>
        /// Resolves a listen address: an IP literal (bare or in brackets: "::1", "[::]"), or a name
        /// such as "localhost". A name resolves to its first address, IPv4 preferred, so "localhost"
        /// binds 127.0.0.1 where the machine has IPv4 and ::1 where it has IPv6 only. One listener
        /// binds one address; "::" (IPv6 any) listens in dual mode, for IPv4 and IPv6 clients both.
        /// </summary>
        public static IPAddress ResolveListenAddress(string address)
        {
            if (string.IsNullOrWhiteSpace(address))
            {
                throw new ArgumentException("The listen address is empty. Use an IP address such as 127.0.0.1 or ::1, or a local name such as localhost.", nameof(address));
            }
            string trimmed = address.Trim().TrimStart('[').TrimEnd(']');
            if (IPAddress.TryParse(trimmed, out IPAddress? literal))
            {
                return literal;
            }
            if (string.Equals(trimmed, "localhost", StringComparison.OrdinalIgnoreCase) && !Socket.OSSupportsIPv4)
            {
                return IPAddress.IPv6Loopback;
            }
            IPAddress[] resolved = ResolveHost(trimmed);
            return resolved[0];
        }

        /// <summary>
        /// A host as given to a probe (a name, an IPv4 address, an IPv6 address bare or in
        /// brackets), without the brackets. Throws an <see cref="ArgumentException"/> that names
        /// the text when it carries a port: host:port, [v6]:port, or an IPv6 address whose last
        /// group reads as a port (::1:8080, which would otherwise be taken as an address and
        /// fail as unreachable). The port goes in its own parameter.
        /// </summary>
        public static string HostWithoutPort(string text, string hostParameter, string portParameter)
        {
            string trimmed = (text ?? "").Trim();
            if (trimmed.Length == 0)
            {
                throw new ArgumentException($"{hostParameter} is empty. Use a host name such as localhost or an IP address such as 127.0.0.1.");
            }
            string hint = $"Give the host alone and the port with {portParameter}";
            if (trimmed.StartsWith("[", StringComparison.Ordinal))
            {
                int close = trimmed.IndexOf(']');
                string inside = close > 0 ? trimmed.Substring(1, close - 1) : "";
                if (close == trimmed.Length - 1 && IPAddress.TryParse(inside, out IPAddress? bracketed) && bracketed.AddressFamily == AddressFamily.InterNetworkV6)
                {
                    return inside;
                }
                if (close > 0 && SplitPort(trimmed.Substring(close + 1), out int bracketPort))
                {
                    throw new ArgumentException($"{hostParameter} '{text}' includes a port. {hint}: {hostParameter} {inside} {portParameter} {bracketPort}.");
                }
                throw new ArgumentException($"{hostParameter} '{text}' is not a host: brackets hold an IPv6 address alone, as [::1].");
            }
            int first = trimmed.IndexOf(':');
            int last = trimmed.LastIndexOf(':');
            if (first < 0)
            {
                return trimmed;
            }
            if (first == last)
            {
                string host = trimmed.Substring(0, last);
                string portText = trimmed.Substring(last + 1);
                throw new ArgumentException($"{hostParameter} '{text}' includes a port. {hint}: {hostParameter} {(host.Length == 0 ? "localhost" : host)} {portParameter} {portText}.");
            }
            string before = trimmed.Substring(0, last);
            if (SplitPort(trimmed.Substring(last), out int port)
                && IPAddress.TryParse(before, out IPAddress? prefix) && prefix.AddressFamily == AddressFamily.InterNetworkV6)
            {
                throw new ArgumentException($"{hostParameter} '{text}' looks like an IPv6 address with a port, {Format(before, port, true)}. {hint}: {hostParameter} {before} {portParameter} {port}. If you mean the address {trimmed} itself, write it in brackets: [{trimmed}].");
            }
            if (!IPAddress.TryParse(trimmed, out _))
            {
                throw new ArgumentException($"{hostParameter} '{text}' is not a host: it has colons but is not an IPv6 address. Use a host name, an IPv4 address, or an IPv6 address such as ::1.");
            }
            return trimmed;
        }

        /// <summary>":8080" as a port from 1 to 65535.</summary>
        private static bool SplitPort(string colonAndPort, out int port)
        {
            port = 0;
            return colonAndPort.Length > 1 && colonAndPort.Length <= 6 && colonAndPort[0] == ':'
                && int.TryParse(colonAndPort.Substring(1), NumberStyles.None, CultureInfo.InvariantCulture, out port)
                && port >= 1 && port <= 65535;
        }

        /// <summary>All addresses of a host, IPv4 first (for localhost: 127.0.0.1 and ::1); throws an <see cref="ArgumentException"/> naming the host when it does not resolve.</summary>
        public static IPAddress[] ResolveHost(string host)
        {
            if (IPAddress.TryParse(host, out IPAddress? literal))
            {
                return new[] { literal };
            }
            if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
            {
                // localhost is loopback by definition (RFC 6761), whichever family the resolver
                // lists: try both, so a listener on ::1 is reached even where localhost maps to
                // 127.0.0.1 only, and the other way round.
                return new[] { IPAddress.Loopback, IPAddress.IPv6Loopback };
            }
            IPAddress[] addresses;
            try
            {
                addresses = Dns.GetHostAddresses(host);
            }
            catch (SocketException e)
            {
                throw new ArgumentException($"The host name '{host}' could not be resolved ({e.SocketErrorCode}). Use an IP address such as 127.0.0.1 or ::1, or a name this machine resolves.", e);
            }
            addresses = addresses
                .Where(a => a.AddressFamily == AddressFamily.InterNetwork || a.AddressFamily == AddressFamily.InterNetworkV6)
                .OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1)
                .ToArray();
            if (addresses.Length == 0)
            {
                throw new ArgumentException($"The host name '{host}' resolved to no IPv4 or IPv6 address.");
            }
            return addresses;
        }
    }
}
