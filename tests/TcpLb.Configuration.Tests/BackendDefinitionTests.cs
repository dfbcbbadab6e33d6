using System;
using TcpLb.Engine.Balancing;
using Xunit;

namespace TcpLb.Configuration.Tests
{
    public class BackendDefinitionTests
    {
        [Theory]
        [InlineData("8081", "127.0.0.1:8081", 1, false, null)]
        [InlineData("127.0.0.1:8081;weight=3", "127.0.0.1:8081", 3, false, null)]
        [InlineData("8082;backup", "127.0.0.1:8082", 1, true, null)]
        [InlineData("[::1]:8083; Weight = 2 ;max_connections=100", "[::1]:8083", 2, false, 100)]
        [InlineData("8084;MaxConnections=0;backup=false", "127.0.0.1:8084", 1, false, 0)]
        public void Parses_the_address_and_its_settings(string text, string address, int weight, bool backup, int? maxConnections)
        {
            BackendDefinition definition = BackendDefinition.Parse(text);

            Assert.Equal(address, definition.Address.ToString());
            Assert.Equal(weight, definition.Weight);
            Assert.Equal(backup, definition.Backup);
            Assert.Equal(maxConnections, definition.MaxConnections);
            Assert.Equal(definition.ToString(), BackendDefinition.Parse(definition.ToString()).ToString());
        }

        [Theory]
        [InlineData("8081;weight=0", "weight '0' is not a whole number from 1 to 256")]
        [InlineData("8081;weight=x", "weight 'x' is not a whole number from 1 to 256")]
        [InlineData("8081;heavy", "'heavy' is not a backend setting")]
        [InlineData("8081;max_connections=-1", "max_connections '-1' is not a whole number")]
        [InlineData("80x81;weight=2", "'80x81' is not a port number")]
        public void Names_the_bad_text_and_what_is_accepted(string text, string expected)
        {
            var e = Assert.Throws<FormatException>(() => BackendDefinition.Parse(text));

            Assert.Contains(expected, e.Message);
            Assert.Contains($"'{text}'", e.Message);
        }
    }
}
