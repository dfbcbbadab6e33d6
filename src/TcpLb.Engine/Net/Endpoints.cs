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
        /// Resolves a listen address: an IP literal, or a name such as "localhost". A name resolves to
        /// its first address, IPv4 preferred, so "localhost" binds 127.0.0.1 where the machine has it.
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
            IPAddress[] resolved = ResolveHost(trimmed);
            return resolved[0];
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
