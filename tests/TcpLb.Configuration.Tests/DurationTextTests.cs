using TcpLb.Configuration;
using Xunit;

namespace TcpLb.Configuration.Tests
{
    /// <summary>The one duration parser of the files and the cmdlets' time parameters.</summary>
    public class DurationTextTests
    {
        [Theory]
        [InlineData("250ms", 250)]
        [InlineData("2s", 2000)]
        [InlineData(" 1.5m ", 90_000)]
        [InlineData("1h", 3_600_000)]
        [InlineData("0.5S", 500)]
        [InlineData("10 ms", 10)]
        public void Reads_a_number_with_a_unit(string text, double milliseconds)
        {
            Assert.True(DurationText.TryParse(text, out double parsed));
            Assert.Equal(milliseconds, parsed);
        }

        [Theory]
        [InlineData("2000")]
        [InlineData("2 parsecs")]
        [InlineData("s")]
        [InlineData("-2s")]
        [InlineData("")]
        public void Refuses_anything_else_a_bare_number_included(string text)
        {
            Assert.False(DurationText.TryParse(text, out _));
        }
    }
}
