using System;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TcpLb.Engine.Net
{
    /// <summary>
    /// Writes the PROXY protocol header a balancer sends first on each backend connection, so the
    /// backend learns the client's address. IPv4-mapped IPv6 addresses (a dual-stack listener's
    /// IPv4 clients) are written as IPv4; when source and destination are of different families,
    /// the IPv4 one is written in its IPv6-mapped form.
    /// </summary>
    internal static class ProxyHeaderWriter
    {
        public static byte[] Write(ProxyProtocolVersion version, IPEndPoint source, IPEndPoint destination)
        {
            if (source == null || destination == null)
            {
                throw new ArgumentNullException(source == null ? nameof(source) : nameof(destination));
            }
            IPAddress from = Unmapped(source.Address);
            IPAddress to = Unmapped(destination.Address);
            if (from.AddressFamily != to.AddressFamily)
            {
                from = from.MapToIPv6();
                to = to.MapToIPv6();
            }
            bool v6 = from.AddressFamily == AddressFamily.InterNetworkV6;
            switch (version)
            {
                case ProxyProtocolVersion.V1:
                    return Encoding.ASCII.GetBytes(string.Format(
                        CultureInfo.InvariantCulture, "PROXY {0} {1} {2} {3} {4}\r\n", v6 ? "TCP6" : "TCP4", from, to, source.Port, destination.Port));
                case ProxyProtocolVersion.V2:
                    byte[] fromBytes = from.GetAddressBytes();
                    byte[] toBytes = to.GetAddressBytes();
                    int addressLength = fromBytes.Length * 2 + 4;
                    var header = new byte[16 + addressLength];
                    Buffer.BlockCopy(ProxyHeaderParser.V2Signature, 0, header, 0, 12);
                    header[12] = 0x21; // version 2, PROXY
                    header[13] = v6 ? (byte)0x21 : (byte)0x11; // INET6 or INET, STREAM
                    header[14] = (byte)(addressLength >> 8);
                    header[15] = (byte)addressLength;
                    Buffer.BlockCopy(fromBytes, 0, header, 16, fromBytes.Length);
                    Buffer.BlockCopy(toBytes, 0, header, 16 + fromBytes.Length, toBytes.Length);
                    int ports = 16 + fromBytes.Length * 2;
                    header[ports] = (byte)(source.Port >> 8);
                    header[ports + 1] = (byte)source.Port;
                    header[ports + 2] = (byte)(destination.Port >> 8);
                    header[ports + 3] = (byte)destination.Port;
                    return header;
                default:
                    throw new ArgumentOutOfRangeException(nameof(version), version, "Write a PROXY header of version V1 or V2.");
            }
        }

        private static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }
}
