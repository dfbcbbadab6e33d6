using System;
using System.Linq;
using TcpLb.Engine.Probing;
using Xunit;

namespace TcpLb.Engine.Tests
{
    public class ProbeSummaryTests
    {
        private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

        [Fact]
        public void Counts_statuses_and_the_success_rate()
        {
            var summarizer = new TcpProbeSummarizer();
            summarizer.Add(TcpProbeStatus.Success, 8088, Ms(1));
            summarizer.Add(TcpProbeStatus.Success, 8077, Ms(2));
            summarizer.Add(TcpProbeStatus.Refused, null, Ms(3));
            summarizer.Add(TcpProbeStatus.Timeout, null, Ms(500));
            summarizer.Add(TcpProbeStatus.Timeout, null, Ms(500));
            summarizer.Add(TcpProbeStatus.Reset, null, Ms(4));
            summarizer.Add(TcpProbeStatus.Error, null, Ms(5));
            summarizer.Add(TcpProbeStatus.Success, 8088, Ms(3));

            TcpProbeSummary s = summarizer.Summarize();

            Assert.Equal(8, s.Count);
            Assert.Equal(3, s.SuccessCount);
            Assert.Equal(5, s.FailureCount);
            Assert.Equal(0.375, s.SuccessRate);
            Assert.Equal(1, s.RefusedCount);
            Assert.Equal(2, s.TimeoutCount);
            Assert.Equal(1, s.ResetCount);
            Assert.Equal(1, s.ErrorCount);
            Assert.Equal(2, s.CountOf(TcpProbeStatus.Timeout));
            // Latencies of the successes only: 1, 2, 3 ms.
            Assert.Equal(Ms(1), s.LatencyMin);
            Assert.Equal(Ms(2), s.LatencyMean);
            Assert.Equal(Ms(3), s.LatencyMax);
            Assert.Null(s.IsExactRotation);
            Assert.Null(s.RotationBreaksAt);
        }

        [Fact]
        public void Backends_in_order_of_first_answer_with_their_share_of_named_answers()
        {
            var summarizer = new TcpProbeSummarizer();
            foreach (int port in new[] { 8077, 8088, 8077, 8070 })
            {
                summarizer.Add(TcpProbeStatus.Success, port, Ms(1));
            }
            summarizer.Add(TcpProbeStatus.Refused, null, Ms(1));

            TcpProbeSummary s = summarizer.Summarize();

            Assert.Equal(new[] { 8077, 8088, 8070 }, s.Backends.Select(b => b.Backend));
            Assert.Equal(new[] { 2, 1, 1 }, s.Backends.Select(b => b.Count));
            Assert.Equal(new[] { 0.5, 0.25, 0.25 }, s.Backends.Select(b => b.Share));
        }

        [Fact]
        public void Percentiles_are_nearest_rank()
        {
            // 1..100 ms, added out of order: p50 = 50, p90 = 90, p99 = 99.
            var summarizer = new TcpProbeSummarizer();
            foreach (int ms in Enumerable.Range(1, 100).Reverse())
            {
                summarizer.Add(TcpProbeStatus.Success, 8088, Ms(ms));
            }

            TcpProbeSummary s = summarizer.Summarize();

            Assert.Equal(Ms(1), s.LatencyMin);
            Assert.Equal(Ms(50.5), s.LatencyMean);
            Assert.Equal(Ms(50), s.LatencyP50);
            Assert.Equal(Ms(90), s.LatencyP90);
            Assert.Equal(Ms(99), s.LatencyP99);
            Assert.Equal(Ms(100), s.LatencyMax);
        }

        [Theory]
        [InlineData(1, 50, 1)]
        [InlineData(2, 50, 1)]
        [InlineData(3, 50, 2)]
        [InlineData(10, 90, 9)]
        [InlineData(10, 99, 10)]
        [InlineData(10, 100, 10)]
        [InlineData(4, 1, 1)]
        public void Nearest_rank_picks_the_value_at_rank_ceil_p_n(int count, double percentile, int expectedMs)
        {
            TimeSpan[] sorted = Enumerable.Range(1, count).Select(ms => Ms(ms)).ToArray();

            Assert.Equal(Ms(expectedMs), TcpProbeSummary.NearestRank(sorted, percentile));
        }

        [Fact]
        public void No_success_leaves_latency_null_and_the_rate_zero()
        {
            TcpProbeSummary empty = new TcpProbeSummarizer().Summarize();
            Assert.Equal(0, empty.Count);
            Assert.Equal(0, empty.SuccessRate);
            Assert.Null(empty.LatencyP50);
            Assert.Empty(empty.Backends);

            var summarizer = new TcpProbeSummarizer();
            summarizer.Add(TcpProbeStatus.Refused, null, Ms(1));
            TcpProbeSummary failed = summarizer.Summarize();
            Assert.Equal(0, failed.SuccessRate);
            Assert.Null(failed.LatencyMin);
            Assert.Null(failed.LatencyMax);
        }

        [Fact]
        public void An_exact_rotation_may_start_at_any_backend_of_the_cycle()
        {
            var summarizer = new TcpProbeSummarizer(new[] { 8088, 8077, 8070 });
            foreach (int port in new[] { 8077, 8070, 8088, 8077, 8070, 8088, 8077 })
            {
                summarizer.Add(TcpProbeStatus.Success, port, Ms(1));
            }

            TcpProbeSummary s = summarizer.Summarize();

            Assert.True(s.IsExactRotation);
            Assert.Null(s.RotationBreaksAt);
            Assert.Equal(new[] { 8088, 8077, 8070 }, s.ExpectedRotation);
        }

        [Fact]
        public void A_wrong_backend_breaks_the_rotation_at_its_position()
        {
            var summarizer = new TcpProbeSummarizer(new[] { 8088, 8077, 8070 });
            int sequence = 0;
            foreach (int port in new[] { 8088, 8077, 8070, 8088, 8070, 8077 })
            {
                summarizer.Add(TcpProbeStatus.Success, port, Ms(1), ++sequence);
            }

            TcpProbeSummary s = summarizer.Summarize();

            Assert.False(s.IsExactRotation);
            Assert.NotNull(s.RotationBreaksAt);
            Assert.Equal(5, s.RotationBreaksAt!.Position);
            Assert.Equal(5, s.RotationBreaksAt.Sequence);
            Assert.Equal(8077, s.RotationBreaksAt.Expected);
            Assert.Equal(8070, s.RotationBreaksAt.Actual);
            Assert.Equal("at 5: expected 8077, got 8070", s.RotationBreaksAt.ToString());
        }

        [Fact]
        public void A_failed_probe_breaks_the_rotation()
        {
            var summarizer = new TcpProbeSummarizer(new[] { 1, 2 });
            summarizer.Add(TcpProbeStatus.Success, 1, Ms(1));
            summarizer.Add(TcpProbeStatus.Reset, null, Ms(1));

            TcpProbeRotationBreak? at = summarizer.Summarize().RotationBreaksAt;

            Assert.NotNull(at);
            Assert.Equal(2, at!.Position);
            Assert.Equal(2, at.Expected);
            Assert.Null(at.Actual);
        }

        [Fact]
        public void A_first_answer_outside_the_rotation_breaks_it_at_once()
        {
            var summarizer = new TcpProbeSummarizer(new[] { 1, 2 });
            summarizer.Add(TcpProbeStatus.Success, 3, Ms(1));
            summarizer.Add(TcpProbeStatus.Success, 1, Ms(1));

            TcpProbeSummary s = summarizer.Summarize();

            Assert.False(s.IsExactRotation);
            Assert.Equal(1, s.RotationBreaksAt!.Position);
            Assert.Equal(1, s.RotationBreaksAt.Expected);
            Assert.Equal(3, s.RotationBreaksAt.Actual);
        }

        [Fact]
        public void No_results_is_no_rotation()
        {
            TcpProbeSummary s = new TcpProbeSummarizer(new[] { 1, 2 }).Summarize();

            Assert.False(s.IsExactRotation);
            Assert.Equal(1, s.RotationBreaksAt!.Position);
            Assert.Null(s.RotationBreaksAt.Actual);
        }

        [Fact]
        public void An_empty_expected_rotation_is_refused()
        {
            Assert.Throws<ArgumentException>(() => new TcpProbeSummarizer(new int[0]));
        }
    }
}
