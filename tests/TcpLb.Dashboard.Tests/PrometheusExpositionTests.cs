using TcpLb.Dashboard.Metrics;

namespace TcpLb.Dashboard.Tests
{
    public sealed class PrometheusExpositionTests
    {
        [Theory]
        [InlineData("web", "web")]
        [InlineData("a\"b", "a\\\"b")]
        [InlineData("back\\slash", "back\\\\slash")]
        [InlineData("two\nlines", "two\\nlines")]
        public void Label_values_are_escaped_as_the_format_wants(string value, string expected)
            => Assert.Equal(expected, PrometheusExposition.Escape(value));

        [Fact]
        public void No_balancers_still_make_a_valid_exposition()
        {
            string text = PrometheusExposition.Write(new NamedBalancer[0]);
            Assert.StartsWith("# HELP tcplb_balancer_info ", text);
            Assert.DoesNotContain("{", text);
            Assert.EndsWith("\n", text);
        }
    }
}
