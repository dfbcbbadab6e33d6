using System;
using System.Linq;

namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>
    /// How many loop threads a relay or balancer runs: one per core unless <c>TCPLB_LOOPS</c> says
    /// otherwise (1 to 8; a diagnostic for the bench's A/B runs, like <c>TCPLB_LOOP_LAYOUT</c>, not a
    /// user setting; docs/design/event-loop.md).
    /// </summary>
    internal static class LoopCounts
    {
        public const string EnvironmentVariable = "TCPLB_LOOPS";

        public const int Most = 8;

        private static readonly EnvironmentChoice<int> Choice = new EnvironmentChoice<int>(
            EnvironmentVariable,
            "a loop count",
            Enumerable.Range(1, Most).Select(n => (n.ToString(System.Globalization.CultureInfo.InvariantCulture), n)).ToArray());

        /// <summary>The count from the environment, or one per core; a value other than 1 to 8 is an <see cref="EnvironmentValueException"/> naming it.</summary>
        public static int Default => Choice.Read() ?? Environment.ProcessorCount;

        /// <summary>The count <paramref name="value"/> names (as the variable would), or one per core when it is empty.</summary>
        public static int Parse(string? value) => Choice.Parse(value) ?? Environment.ProcessorCount;
    }
}
