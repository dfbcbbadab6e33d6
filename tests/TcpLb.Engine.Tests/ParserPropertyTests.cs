using System;
using System.Linq;
using System.Net;
using System.Numerics;
using System.Text;
using System.Threading;
using FsCheck;
using FsCheck.Fluent;
using TcpLb.Engine.Access;
using TcpLb.Engine.Net;
using Xunit;
using Xunit.Abstractions;

namespace TcpLb.Engine.Tests
{
    /// <summary>
    /// Property tests (FsCheck) of the two parsers that read what strangers send or type: the
    /// PROXY protocol header and the access-rule address ranges. Each property runs
    /// <see cref="Runs"/> generated cases; the counts are written to the test output.
    /// </summary>
    public class ParserPropertyTests
    {
        private const int Runs = 20_000;
        private readonly ITestOutputHelper _output;

        public ParserPropertyTests(ITestOutputHelper output) => _output = output;

        private static readonly Gen<IPEndPoint> EndPoints =
            Gen.Choose(0, 65535).SelectMany(port => Gen.OneOf(
                Gen.ArrayOf(Gen.Choose(0, 255).Select(i => (byte)i), 4),
                Gen.ArrayOf(Gen.Choose(0, 255).Select(i => (byte)i), 16))
                .Select(bytes => new IPEndPoint(new IPAddress(bytes), port)));

        private static readonly Gen<byte[]> Bytes = Gen.ArrayOf(Gen.Choose(0, 255).Select(i => (byte)i)).Select(a => a.ToArray());

        /// <summary>A valid header (v1 or v2) with random addresses, then random client data.</summary>
        private static readonly Gen<(ProxyProtocolVersion Version, IPEndPoint From, IPEndPoint To, byte[] Data)> Headers =
            from version in Gen.Elements(ProxyProtocolVersion.V1, ProxyProtocolVersion.V2)
            from source in EndPoints
            from destination in EndPoints
            from data in Bytes
            select (version, source, destination, data);

        private void Run<T>(string name, Gen<T> generator, Func<T, bool> property)
        {
            int runs = 0;
            Check.One(Config.QuickThrowOnFailure.WithMaxTest(Runs), Prop.ForAll(generator.ToArbitrary(), (T value) =>
            {
                Interlocked.Increment(ref runs);
                return property(value);
            }));
            _output.WriteLine($"{name}: {runs} executions, no failure.");
            Assert.True(runs >= Runs, $"{name} ran {runs} times, fewer than {Runs}.");
        }

        [Fact]
        public void Proxy_parser_on_arbitrary_bytes_never_throws_and_stays_in_bounds()
            => Run("PROXY parser, arbitrary bytes", Gen.OneOf(Bytes, Bytes.Select(b => ProxyHeaderParser.V1Prefix.Concat(b).ToArray()), Bytes.Select(b => ProxyHeaderParser.V2Signature.Concat(b).ToArray())), bytes =>
            {
                ProxyParseResult result = ProxyHeaderParser.Parse(bytes, 0, bytes.Length);
                return result.Status switch
                {
                    ProxyParseStatus.Complete => result.Length > 0 && result.Length <= bytes.Length && result.Length <= ProxyHeaderParser.MaxV2Length && result.Header != null,
                    ProxyParseStatus.Incomplete => bytes.Length < ProxyHeaderParser.MaxV2Length,
                    _ => result.Problem != null,
                };
            });

        [Fact]
        public void Proxy_headers_written_parse_back_exactly_whatever_follows_and_every_prefix_is_incomplete()
            => Run("PROXY writer/parser round trip", Headers, c =>
            {
                byte[] header = ProxyHeaderWriter.Write(c.Version, c.From, c.To);
                byte[] bytes = header.Concat(c.Data).ToArray();
                ProxyParseResult result = ProxyHeaderParser.Parse(bytes, 0, bytes.Length);
                int cut = c.Data.Length % header.Length; // one prefix per case
                return result.Status == ProxyParseStatus.Complete
                    && result.Length == header.Length
                    && SameAddress(result.Header!.Source!, c.From, c.To)
                    && SameAddress(result.Header.Destination!, c.To, c.From)
                    && ProxyHeaderParser.Parse(bytes, 0, cut).Status == ProxyParseStatus.Incomplete;
            });

        [Fact]
        public void Proxy_parser_on_mutated_headers_never_throws_nor_reads_past_the_end()
            => Run("PROXY parser, mutated headers", Headers.SelectMany(c => Gen.Choose(0, 1000).SelectMany(at => Gen.Choose(0, 255).Select(value => (c, at, value)))), m =>
            {
                byte[] bytes = ProxyHeaderWriter.Write(m.c.Version, m.c.From, m.c.To).Concat(m.c.Data).ToArray();
                bytes[m.at % bytes.Length] = (byte)m.value;
                ProxyParseResult result = ProxyHeaderParser.Parse(bytes, 0, bytes.Length);
                return result.Status != ProxyParseStatus.Complete || result.Length <= bytes.Length;
            });

        [Fact]
        public void Address_range_parser_on_arbitrary_text_never_throws()
        {
            Gen<char> chars = Gen.Elements("0123456789abcdefABCDEF:./[]% -xg\t".ToCharArray());
            Gen<string> texts = Gen.OneOf(
                Gen.ArrayOf(chars).Select(cs => new string(cs.ToArray())),
                ArbMap.Default.GeneratorFor<string>().Select(s => s ?? ""));
            Run("Address range parser, arbitrary text", texts, text =>
            {
                bool parsed = AddressRange.TryParse(text, out AddressRange? range, out string? problem);
                return parsed ? range != null && AddressRange.Parse(range.ToString()).Equals(range) : problem != null;
            });
        }

        [Fact]
        public void Address_ranges_contain_exactly_the_addresses_a_reference_mask_says()
        {
            Gen<(IPAddress Network, int Prefix, IPAddress Probe)> cases =
                from v6 in Gen.Elements(false, true)
                from network in Gen.ArrayOf(Gen.Choose(0, 255).Select(i => (byte)i), v6 ? 16 : 4)
                from prefix in Gen.Choose(0, v6 ? 128 : 32)
                from flip in Gen.Choose(-1, v6 ? 127 : 31)
                select (new IPAddress(network.ToArray()), prefix, new IPAddress(Flip(network.ToArray(), flip)));
            Run("Address range Contains against a reference", cases, c =>
            {
                AddressRange range = AddressRange.Parse(Text(c.Network) + "/" + c.Prefix);
                int bits = c.Network.GetAddressBytes().Length * 8;
                BigInteger mask = ((BigInteger.One << c.Prefix) - 1) << (bits - c.Prefix);
                bool expected = (Number(c.Network) & mask) == (Number(c.Probe) & mask);
                return range.Contains(c.Probe) == expected && range.Contains(c.Network);
            });
        }

        private static string Text(IPAddress address) => address.ToString();

        private static BigInteger Number(IPAddress address) => new BigInteger(address.GetAddressBytes(), isUnsigned: true, isBigEndian: true);

        private static byte[] Flip(byte[] bytes, int bit)
        {
            if (bit >= 0)
            {
                bytes[bit / 8] ^= (byte)(0x80 >> (bit % 8));
            }
            return bytes;
        }

        /// <summary>The writer writes mapped addresses as IPv4, and mixes of families as IPv6-mapped.</summary>
        private static bool SameAddress(IPEndPoint parsed, IPEndPoint written, IPEndPoint other)
        {
            IPAddress expected = written.Address.IsIPv4MappedToIPv6 ? written.Address.MapToIPv4() : written.Address;
            IPAddress otherFamily = other.Address.IsIPv4MappedToIPv6 ? other.Address.MapToIPv4() : other.Address;
            if (expected.AddressFamily != otherFamily.AddressFamily)
            {
                expected = expected.MapToIPv6();
            }
            return parsed.Port == written.Port && parsed.Address.Equals(expected);
        }
    }
}
