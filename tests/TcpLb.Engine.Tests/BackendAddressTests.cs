using System;
using TcpLb.Engine.Balancing;

namespace TcpLb.Engine.Tests
{
    public class BackendAddressTests
    {
        [Theory]
        [InlineData("8088", "127.0.0.1", 8088)]
        [InlineData("127.0.0.1:8077", "127.0.0.1", 8077)]
        [InlineData("localhost:8070", "localhost", 8070)]
        [InlineData("[::1]:9000", "::1", 9000)]
        [InlineData(" 65535 ", "127.0.0.1", 65535)]
        public void Parses_the_accepted_forms(string text, string host, int port)
        {
            BackendAddress address = BackendAddress.Parse(text);
            Assert.Equal(host, address.Host);
            Assert.Equal(port, address.Port);
        }

        [Theory]
        [InlineData("foo:bar", "'bar' is not a port number")]
        [InlineData("", "empty")]
        [InlineData("0", "out of range")]
        [InlineData("70000", "out of range")]
        [InlineData("::1:80", "brackets")]
        [InlineData("[::1]80", "[address]:port")]
        [InlineData(":80", "host before ':' is empty")]
        [InlineData("[nothost]:80", "not an IPv6 address")]
        public void Rejects_bad_forms_naming_the_value_and_what_is_accepted(string text, string why)
        {
            var e = Assert.Throws<FormatException>(() => BackendAddress.Parse(text));
            Assert.Contains($"'{text}'", e.Message);
            Assert.Contains(why, e.Message);
            Assert.Contains("Accepted:", e.Message);
        }

        [Fact]
        public void Formats_IPv6_in_brackets()
        {
            Assert.Equal("[::1]:9000", BackendAddress.Parse("[::1]:9000").ToString());
            Assert.Equal("127.0.0.1:8088", BackendAddress.Parse("8088").ToString());
        }
    }
}
