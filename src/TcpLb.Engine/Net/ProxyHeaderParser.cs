using System;
using System.Globalization;
using System.Net;
using System.Text;

namespace TcpLb.Engine.Net
{
    /// <summary>The outcome of <see cref="ProxyHeaderParser.Parse"/> on the bytes received so far.</summary>
    internal enum ProxyParseStatus
    {
        /// <summary>Every byte so far is a valid start of a header: read more (all of them belong to the header).</summary>
        Incomplete,

        /// <summary>A whole header: <see cref="ProxyParseResult.Length"/> bytes; what follows is the client's data.</summary>
        Complete,

        /// <summary>Not a PROXY header, or a malformed one: the connection is reset.</summary>
        Invalid,
    }

    internal readonly struct ProxyParseResult
    {
        private ProxyParseResult(ProxyParseStatus status, int length, ProxyHeader? header, string? problem)
        {
            Status = status;
            Length = length;
            Header = header;
            Problem = problem;
        }

        public ProxyParseStatus Status { get; }

        /// <summary>The header's length in bytes, when complete.</summary>
        public int Length { get; }

        public ProxyHeader? Header { get; }

        /// <summary>Why the bytes are not a header, when invalid.</summary>
        public string? Problem { get; }

        internal static ProxyParseResult NeedMore => new ProxyParseResult(ProxyParseStatus.Incomplete, 0, null, null);

        internal static ProxyParseResult Done(int length, ProxyHeader header) => new ProxyParseResult(ProxyParseStatus.Complete, length, header, null);

        internal static ProxyParseResult Bad(string problem) => new ProxyParseResult(ProxyParseStatus.Invalid, 0, null, problem);
    }

    /// <summary>
    /// Parses a PROXY protocol header, v1 or v2, from the first bytes of a connection. Bounded:
    /// a v1 header is at most 107 bytes, a v2 header at most <see cref="MaxV2Length"/> (its
    /// length field is checked before anything is read past the 16-byte prefix); the parser never
    /// reads past the end of the header, so what follows stays the client's data.
    /// </summary>
    internal static class ProxyHeaderParser
    {
        /// <summary>The longest v1 header, CRLF included (the spec's bound).</summary>
        public const int MaxV1Length = 107;

        /// <summary>The longest v2 header accepted, addresses and TLVs included.</summary>
        public const int MaxV2Length = 4096;

        internal static readonly byte[] V2Signature = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A };

        internal static readonly byte[] V1Prefix = Encoding.ASCII.GetBytes("PROXY ");

        /// <summary>Parses <paramref name="count"/> bytes at <paramref name="offset"/>: the start of a connection.</summary>
        public static ProxyParseResult Parse(byte[] buffer, int offset, int count)
        {
            if (buffer == null)
            {
                throw new ArgumentNullException(nameof(buffer));
            }
            if (offset < 0 || count < 0 || offset + count > buffer.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(count));
            }
            if (count == 0)
            {
                return ProxyParseResult.NeedMore;
            }
            if (buffer[offset] == V1Prefix[0])
            {
                return ParseV1(buffer, offset, count);
            }
            if (buffer[offset] == V2Signature[0])
            {
                return ParseV2(buffer, offset, count);
            }
            return ProxyParseResult.Bad("the connection does not start with a PROXY protocol header (v1 'PROXY ' or the v2 signature)");
        }

        private static ProxyParseResult ParseV1(byte[] b, int offset, int count)
        {
            int prefix = Math.Min(count, V1Prefix.Length);
            for (int i = 0; i < prefix; i++)
            {
                if (b[offset + i] != V1Prefix[i])
                {
                    return ProxyParseResult.Bad("not a PROXY protocol v1 header: it must start with 'PROXY '");
                }
            }
            int end = -1;
            int limit = Math.Min(count, MaxV1Length);
            for (int i = 0; i < limit; i++)
            {
                byte c = b[offset + i];
                if (c == '\n')
                {
                    return ProxyParseResult.Bad("a v1 header line must end with CR LF");
                }
                if (c == '\r')
                {
                    if (i + 1 >= count)
                    {
                        return ProxyParseResult.NeedMore;
                    }
                    if (b[offset + i + 1] != '\n')
                    {
                        return ProxyParseResult.Bad("a v1 header has a CR not followed by LF");
                    }
                    end = i;
                    break;
                }
                if (c < 0x20 || c > 0x7E)
                {
                    return ProxyParseResult.Bad("a v1 header holds a byte that is not printable ASCII");
                }
            }
            if (end < 0)
            {
                return count >= MaxV1Length
                    ? ProxyParseResult.Bad($"the v1 header has no CR LF within {MaxV1Length} bytes")
                    : ProxyParseResult.NeedMore;
            }
            string line = Encoding.ASCII.GetString(b, offset, end);
            int length = end + 2;
            string[] fields = line.Split(' ');
            if (fields.Length >= 2 && fields[1] == "UNKNOWN")
            {
                // The sender does not know the addresses (or it is its own connection): anything may follow.
                return ProxyParseResult.Done(length, new ProxyHeader(ProxyProtocolVersion.V1, null, null));
            }
            if (fields.Length != 6)
            {
                return ProxyParseResult.Bad("a v1 header has 'PROXY', TCP4 or TCP6, two addresses and two ports, one space apart");
            }
            bool v6;
            if (fields[1] == "TCP4")
            {
                v6 = false;
            }
            else if (fields[1] == "TCP6")
            {
                v6 = true;
            }
            else
            {
                return ProxyParseResult.Bad($"'{Shorten(fields[1])}' is not a v1 protocol (TCP4, TCP6 or UNKNOWN)");
            }
            if (!TryAddress(fields[2], v6, out IPAddress? source) || !TryAddress(fields[3], v6, out IPAddress? destination))
            {
                return ProxyParseResult.Bad($"a v1 {fields[1]} header has an address that is not an {(v6 ? "IPv6" : "IPv4")} address");
            }
            if (!TryPort(fields[4], out int sourcePort) || !TryPort(fields[5], out int destinationPort))
            {
                return ProxyParseResult.Bad("a v1 header has a port that is not a number from 0 to 65535");
            }
            return ProxyParseResult.Done(length, new ProxyHeader(ProxyProtocolVersion.V1, new IPEndPoint(source!, sourcePort), new IPEndPoint(destination!, destinationPort)));
        }

        private static ProxyParseResult ParseV2(byte[] b, int offset, int count)
        {
            int signature = Math.Min(count, V2Signature.Length);
            for (int i = 0; i < signature; i++)
            {
                if (b[offset + i] != V2Signature[i])
                {
                    return ProxyParseResult.Bad("not a PROXY protocol v2 header: the 12-byte signature does not match");
                }
            }
            if (count < 16)
            {
                if (count >= 13 && (b[offset + 12] >> 4) != 2)
                {
                    return ProxyParseResult.Bad($"version {b[offset + 12] >> 4} in a v2 header; only 2 is defined");
                }
                return ProxyParseResult.NeedMore;
            }
            int version = b[offset + 12] >> 4;
            int command = b[offset + 12] & 0x0F;
            int family = b[offset + 13] >> 4;
            int transport = b[offset + 13] & 0x0F;
            int addressLength = (b[offset + 14] << 8) | b[offset + 15];
            if (version != 2)
            {
                return ProxyParseResult.Bad($"version {version} in a v2 header; only 2 is defined");
            }
            if (command > 1)
            {
                return ProxyParseResult.Bad($"command {command} in a v2 header; only LOCAL (0) and PROXY (1) are defined");
            }
            if (family > 3 || transport > 2)
            {
                return ProxyParseResult.Bad($"address family {family} / transport {transport} in a v2 header is not defined");
            }
            int length = 16 + addressLength;
            if (length > MaxV2Length)
            {
                return ProxyParseResult.Bad($"the v2 header says it is {length} bytes long; at most {MaxV2Length} are accepted");
            }
            if (count < length)
            {
                return ProxyParseResult.NeedMore;
            }
            if (command == 0 || family == 0 || family == 3)
            {
                // LOCAL (the proxy's own connection, a health check), UNSPEC or a UNIX socket: no IP address to use.
                return ProxyParseResult.Done(length, new ProxyHeader(ProxyProtocolVersion.V2, null, null));
            }
            if (transport != 1)
            {
                return ProxyParseResult.Bad("a v2 header for a TCP connection must say STREAM");
            }
            int at = offset + 16;
            if (family == 1)
            {
                if (addressLength < 12)
                {
                    return ProxyParseResult.Bad($"a v2 TCP over IPv4 header needs 12 bytes of addresses, not {addressLength}");
                }
                var source = new IPAddress(Slice(b, at, 4));
                var destination = new IPAddress(Slice(b, at + 4, 4));
                return ProxyParseResult.Done(length, new ProxyHeader(ProxyProtocolVersion.V2,
                    new IPEndPoint(source, Port(b, at + 8)), new IPEndPoint(destination, Port(b, at + 10))));
            }
            if (addressLength < 36)
            {
                return ProxyParseResult.Bad($"a v2 TCP over IPv6 header needs 36 bytes of addresses, not {addressLength}");
            }
            var source6 = new IPAddress(Slice(b, at, 16));
            var destination6 = new IPAddress(Slice(b, at + 16, 16));
            return ProxyParseResult.Done(length, new ProxyHeader(ProxyProtocolVersion.V2,
                new IPEndPoint(source6, Port(b, at + 32)), new IPEndPoint(destination6, Port(b, at + 34))));
        }

        private static bool TryAddress(string text, bool v6, out IPAddress? address)
        {
            address = null;
            if (text.Length == 0 || text.Length > 45)
            {
                return false;
            }
            foreach (char c in text)
            {
                bool ok = (c >= '0' && c <= '9') || c == '.' || (v6 && (c == ':' || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
                if (!ok)
                {
                    return false;
                }
            }
            if (!v6 && text.Split('.').Length != 4)
            {
                return false;
            }
            return IPAddress.TryParse(text, out address) && (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6) == v6;
        }

        private static bool TryPort(string text, out int port)
        {
            port = 0;
            return text.Length >= 1 && text.Length <= 5
                && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= 65535;
        }

        private static byte[] Slice(byte[] b, int at, int length)
        {
            var slice = new byte[length];
            Buffer.BlockCopy(b, at, slice, 0, length);
            return slice;
        }

        private static int Port(byte[] b, int at) => (b[at] << 8) | b[at + 1];

        private static string Shorten(string text) => text.Length <= 16 ? text : text.Substring(0, 16) + "...";
    }
}
