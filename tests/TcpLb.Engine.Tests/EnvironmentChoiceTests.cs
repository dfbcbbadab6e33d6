using System;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Net;
using TcpLb.Engine.Net.EventLoop;

namespace TcpLb.Engine.Tests
{
    /// <summary>The engine's diagnostic environment variables, read one way (<see cref="EnvironmentChoice{T}"/>).</summary>
    public class EnvironmentChoiceTests
    {
        private static readonly EnvironmentChoice<DayOfWeek> Days = new EnvironmentChoice<DayOfWeek>(
            "TCPLB_TEST_DAY", "a day", ("monday", DayOfWeek.Monday), ("friday", DayOfWeek.Friday));

        [Theory]
        [InlineData("monday", DayOfWeek.Monday)]
        [InlineData("FRIDAY", DayOfWeek.Friday)]
        [InlineData("  Monday\t", DayOfWeek.Monday)]
        public void A_name_is_case_insensitive_and_trimmed(string value, DayOfWeek expected)
            => Assert.Equal(expected, Days.Parse(value));

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("   ")]
        public void Unset_or_empty_is_no_override(string? value)
            => Assert.Null(Days.Parse(value));

        [Fact]
        public void An_unknown_value_is_an_error_naming_the_variable_the_value_and_the_accepted_names()
        {
            var error = Assert.Throws<EnvironmentValueException>(() => Days.Parse("sunday"));
            Assert.Equal("TCPLB_TEST_DAY", error.Variable);
            Assert.Equal("sunday", error.Value);
            Assert.Equal(new[] { "monday", "friday" }, error.Accepted);
            Assert.Contains("TCPLB_TEST_DAY='sunday'", error.Message);
            Assert.Contains("accepted: monday, friday", error.Message);
        }

        [Fact]
        public void Read_takes_the_process_environment()
        {
            // A variable of this test's own: the engine's real ones would change every balancer of the test run.
            var choice = new EnvironmentChoice<DayOfWeek>("TCPLB_TEST_" + Guid.NewGuid().ToString("N"), "a day", ("friday", DayOfWeek.Friday));
            Assert.Null(choice.Read());
            Environment.SetEnvironmentVariable(choice.Variable, "Friday");
            try
            {
                Assert.Equal(DayOfWeek.Friday, choice.Read());
                Environment.SetEnvironmentVariable(choice.Variable, "saturday");
                Assert.Equal("saturday", Assert.Throws<EnvironmentValueException>(() => choice.Read()).Value);
            }
            finally
            {
                Environment.SetEnvironmentVariable(choice.Variable, null);
            }
        }

        [Theory]
        [InlineData("loop", BalancerTransport.Loop)]
        [InlineData(" Stream ", BalancerTransport.Stream)]
        public void TCPLB_TRANSPORT_names_loop_or_stream(string value, BalancerTransport expected)
            => Assert.Equal(expected, TransportChoice.Choice.Parse(value));

        [Fact]
        public void A_bad_TCPLB_TRANSPORT_is_an_error_naming_it_and_the_transports()
        {
            var error = Assert.Throws<EnvironmentValueException>(() => TransportChoice.Choice.Parse("fast"));
            Assert.Equal("TCPLB_TRANSPORT", error.Variable);
            Assert.Contains("'fast'", error.Message);
            Assert.Contains("loop, stream", error.Message);
        }

        [Theory]
        [InlineData("1", 1)]
        [InlineData(" 8 ", 8)]
        public void TCPLB_LOOPS_names_a_loop_count_from_1_to_8(string value, int expected)
            => Assert.Equal(expected, LoopCounts.Parse(value));

        [Theory]
        [InlineData("0")]
        [InlineData("9")]
        [InlineData("two")]
        public void A_bad_TCPLB_LOOPS_is_an_error_naming_it_and_the_counts(string value)
        {
            var error = Assert.Throws<EnvironmentValueException>(() => LoopCounts.Parse(value));
            Assert.Equal("TCPLB_LOOPS", error.Variable);
            Assert.Contains($"'{value}'", error.Message);
            Assert.Contains("1, 2, 3, 4, 5, 6, 7, 8", error.Message);
        }
    }
}
