using System;
using System.Linq;
using System.Net;
using System.Text;
using TcpLb.Engine.Net;
using Xunit;

namespace TcpLb.Engine.Tests
{
    /// <summary>The PROXY protocol parser and writer on known headers, v1 and v2, IPv4 and IPv6.</summary>
    public class ProxyHeaderTests
    {
        private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

        private static ProxyParseResult Parse(byte[] bytes) => ProxyHeaderParser.Parse(bytes, 0, bytes.Length);

        [Theory]
        [InlineData("PROXY TCP4 192.0.2.7 198.51.100.1 51234 8080\r\n", "192.0.2.7:51234", "198.51.100.1:8080")]
        [InlineData("PROXY TCP6 2001:db8::7 ::1 65535 1\r\n", "[2001:db8::7]:65535", "[::1]:1")]
        [InlineData("PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n", "255.255.255.255:65535", "255.255.255.255:65535")]
        public void V1_headers_give_their_addresses_and_stop_at_CRLF(string header, string source, string destination)
        {
            byte[] bytes = Ascii(header + "GET / HTTP/1.0\r\n");
            ProxyParseResult result = Parse(bytes);

            Assert.Equal(ProxyParseStatus.Complete, result.Status);
            Assert.Equal(header.Length, result.Length);
            Assert.Equal(ProxyProtocolVersion.V1, result.Header!.Version);
            Assert.Equal(source, Endpoints.Format(result.Header.Source!));
            Assert.Equal(destination, Endpoints.Format(result.Header.Destination!));
        }

        [Fact]
        public void V1_UNKNOWN_has_no_address()
        {
            ProxyParseResult result = Parse(Ascii("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\nrest"));
            Assert.Equal(ProxyParseStatus.Complete, result.Status);
            Assert.Null(result.Header!.Source);
            Assert.Equal(ProxyParseStatus.Complete, Parse(Ascii("PROXY UNKNOWN\r\n")).Status);
        }

        [Theory]
        [InlineData("GET / HTTP/1.1\r\n", "does not start with a PROXY")]
        [InlineData("PROXY TCP5 1.2.3.4 1.2.3.4 1 2\r\n", "not a v1 protocol")]
        [InlineData("PROXY TCP4 1.2.3.4 1.2.3.4 1\r\n", "two addresses and two ports")]
        [InlineData("PROXY TCP4  1.2.3.4 1.2.3.4 1 2\r\n", "two addresses and two ports")]
        [InlineData("PROXY TCP4 1.2.3 1.2.3.4 1 2\r\n", "not an IPv4 address")]
        [InlineData("PROXY TCP4 ::1 1.2.3.4 1 2\r\n", "not an IPv4 address")]
        [InlineData("PROXY TCP6 1.2.3.4 ::1 1 2\r\n", "not an IPv6 address")]
        [InlineData("PROXY TCP4 1.2.3.4 1.2.3.4 65536 2\r\n", "not a number from 0 to 65535")]
        [InlineData("PROXY TCP4 1.2.3.4 1.2.3.4 -1 2\r\n", "not a number from 0 to 65535")]
        [InlineData("PROXY TCP4 1.2.3.4 1.2.3.4 1 2\n", "CR LF")]
        [InlineData("PROXY TCP4 1.2.3.4 1.2.3.4 1 2\rX", "CR not followed by LF")]
        [InlineData("PROXY TCP4 1.2.3.4\t1.2.3.4 1 2\r\n", "not printable")]
        [InlineData("PROXZ", "must start with 'PROXY '")]
        public void Malformed_v1_headers_are_invalid_and_say_why(string text, string problem)
        {
            ProxyParseResult result = Parse(Ascii(text));
            Assert.Equal(ProxyParseStatus.Invalid, result.Status);
            Assert.Contains(problem, result.Problem);
        }

        [Fact]
        public void A_v1_header_without_CRLF_in_107_bytes_is_invalid_and_shorter_is_incomplete()
        {
            string longLine = "PROXY TCP6 " + new string('1', 120);
            Assert.Equal(ProxyParseStatus.Incomplete, Parse(Ascii(longLine.Substring(0, 106))).Status);
            ProxyParseResult result = Parse(Ascii(longLine.Substring(0, 107)));
            Assert.Equal(ProxyParseStatus.Invalid, result.Status);
            Assert.Contains("107", result.Problem);
        }

        [Theory]
        [InlineData("V1", "192.0.2.7", 51234, "198.51.100.1", 8080)]
        [InlineData("V2", "192.0.2.7", 51234, "198.51.100.1", 8080)]
        [InlineData("V1", "2001:db8::7", 1, "::1", 65535)]
        [InlineData("V2", "2001:db8::7", 1, "::1", 65535)]
        [InlineData("V2", "::ffff:127.0.0.2", 40000, "::ffff:127.0.0.1", 80)] // a dual-stack listener's IPv4 client: written as IPv4
        public void Written_headers_parse_back_to_the_same_addresses_at_every_split(string version, string source, int sourcePort, string destination, int destinationPort)
        {
            var from = new IPEndPoint(IPAddress.Parse(source), sourcePort);
            var to = new IPEndPoint(IPAddress.Parse(destination), destinationPort);
            byte[] header = ProxyHeaderWriter.Write(Enum.Parse<ProxyProtocolVersion>(version), from, to);
            byte[] withData = header.Concat(Ascii("Hello")).ToArray();

            ProxyParseResult result = Parse(withData);
            Assert.Equal(ProxyParseStatus.Complete, result.Status);
            Assert.Equal(header.Length, result.Length);
            Assert.Equal(Unmapped(from), result.Header!.Source);
            Assert.Equal(Unmapped(to), result.Header.Destination);
            for (int split = 0; split < header.Length; split++)
            {
                Assert.Equal(ProxyParseStatus.Incomplete, ProxyHeaderParser.Parse(withData, 0, split).Status);
            }
        }

        [Fact]
        public void The_v2_binary_form_is_the_spec_s()
        {
            byte[] header = ProxyHeaderWriter.Write(ProxyProtocolVersion.V2, new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0x1234), new IPEndPoint(IPAddress.Parse("127.0.0.1"), 80));
            Assert.Equal(
                "0D0A0D0A000D0A515549540A" + "21" + "11" + "000C" + "7F000002" + "7F000001" + "1234" + "0050",
                Convert.ToHexString(header));
            Assert.Equal("PROXY TCP4 127.0.0.2 127.0.0.1 4660 80\r\n",
                Encoding.ASCII.GetString(ProxyHeaderWriter.Write(ProxyProtocolVersion.V1, new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0x1234), new IPEndPoint(IPAddress.Parse("127.0.0.1"), 80))));
        }

        [Fact]
        public void V2_LOCAL_and_UNSPEC_have_no_address_and_TLVs_are_skipped()
        {
            byte[] local = ProxyHeaderParser.V2Signature.Concat(new byte[] { 0x20, 0x00, 0x00, 0x00 }).ToArray();
            ProxyParseResult result = Parse(local);
            Assert.Equal(ProxyParseStatus.Complete, result.Status);
            Assert.Equal(16, result.Length);
            Assert.Null(result.Header!.Source);

            // IPv4 with a 7-byte TLV after the addresses (PP2_TYPE_AUTHORITY "abcd").
            byte[] withTlv = ProxyHeaderParser.V2Signature.Concat(new byte[] { 0x21, 0x11, 0x00, 12 + 7, 10, 0, 0, 1, 10, 0, 0, 2, 0, 1, 0, 2, 0x02, 0x00, 0x04, (byte)'a', (byte)'b', (byte)'c', (byte)'d', 0xAA }).ToArray();
            result = Parse(withTlv);
            Assert.Equal(ProxyParseStatus.Complete, result.Status);
            Assert.Equal(16 + 19, result.Length);
            Assert.Equal("10.0.0.1:1", Endpoints.Format(result.Header!.Source!));
        }

        [Theory]
        [InlineData(new byte[] { 0x11, 0x11, 0x00, 0x0C }, "version 1")]
        [InlineData(new byte[] { 0x22, 0x11, 0x00, 0x0C }, "command 2")]
        [InlineData(new byte[] { 0x21, 0x41, 0x00, 0x0C }, "family 4")]
        [InlineData(new byte[] { 0x21, 0x12, 0x00, 0x0C }, "STREAM")]
        [InlineData(new byte[] { 0x21, 0x11, 0x00, 0x08 }, "needs 12 bytes")]
        [InlineData(new byte[] { 0x21, 0x21, 0x00, 0x0C }, "needs 36 bytes")]
        [InlineData(new byte[] { 0x21, 0x11, 0xFF, 0xFF }, "at most 4096")]
        public void Malformed_v2_headers_are_invalid_and_say_why(byte[] afterSignature, string problem)
        {
            byte[] bytes = ProxyHeaderParser.V2Signature.Concat(afterSignature).Concat(new byte[64]).ToArray();
            ProxyParseResult result = Parse(bytes);
            Assert.Equal(ProxyParseStatus.Invalid, result.Status);
            Assert.Contains(problem, result.Problem);
        }

        private static IPEndPoint Unmapped(IPEndPoint e) => e.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(e.Address.MapToIPv4(), e.Port) : e;
    }
}
