using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Balancing.Scheduling;
using Xunit.Abstractions;

namespace TcpLb.Engine.Tests
{
    /// <summary>The algorithms' picks over fixed pools, without sockets: exact sequences and distributions.</summary>
    public class SchedulerTests
    {
        private readonly ITestOutputHelper _output;

        public SchedulerTests(ITestOutputHelper output) => _output = output;

        public static IEnumerable<object[]> AllAlgorithms => Enum.GetValues(typeof(BalancingAlgorithm)).Cast<BalancingAlgorithm>().Select(a => new object[] { a });

        /// <summary>Backends on 127.0.0.1, ports 1..n, named a, b, c ... by <see cref="Name"/>.</summary>
        internal static Backend[] Pool(params int[] weights) => Pool(weights, backups: 0);

        internal static Backend[] Pool(int[] weights, int backups, int maxConnections = 0)
            => weights.Select((w, i) => new Backend(new BackendAddress("127.0.0.1", i + 1), maxConnections, w))
                .Concat(Enumerable.Range(0, backups).Select(i => new Backend(new BackendAddress("127.0.0.1", weights.Length + i + 1), maxConnections, 1, backup: true)))
                .ToArray();

        private static string Name(Backend? backend) => backend == null ? "-" : ((char)('a' + backend.Address.Port - 1)).ToString();

        private static string Sequence(BackendScheduler scheduler, Backend[] pool, int count, bool hold = false)
            => string.Join(" ", Enumerable.Range(0, count).Select(_ =>
            {
                Backend? picked = scheduler.Pick(pool, default);
                if (hold && picked != null)
                {
                    Assert.True(picked.TryReserve());
                }
                return Name(picked);
            }));

        internal static void TakeDown(Backend backend) => backend.OnConnectFailed(downAfter: 1);

        [Fact]
        public void Smooth_weighted_round_robin_5_1_1_spreads_the_heavy_backend()
        {
            var scheduler = new WeightedRoundRobinScheduler();
            Backend[] pool = Pool(5, 1, 1);

            string picks = Sequence(scheduler, pool, 14);
            _output.WriteLine("WRR 5,1,1: " + picks);

            Assert.Equal("a a b a c a a a a b a c a a", picks);
        }

        [Fact]
        public void Weighted_round_robin_follows_a_weight_change_and_passes_over_a_down_backend()
        {
            var scheduler = new WeightedRoundRobinScheduler();
            Backend[] pool = Pool(5, 1, 1);
            Assert.Equal("a a b a c a a", Sequence(scheduler, pool, 7));

            pool[0].SetWeight(1);
            pool[1].SetWeight(2);
            string changed = Sequence(scheduler, pool, 8);
            TakeDown(pool[1]);
            string bDown = Sequence(scheduler, pool, 4);
            _output.WriteLine($"WRR 1,2,1: {changed}; b Down: {bDown}");

            Assert.Equal("b a c b b a c b", changed);
            Assert.Equal("a c a c", bDown);
        }

        [Fact]
        public void Weighted_round_robin_reduces_weights_by_their_common_divisor()
        {
            Assert.Equal("a a b a c a a", Sequence(new WeightedRoundRobinScheduler(), Pool(10, 2, 2), 7));
        }

        [Fact]
        public void Least_connections_with_held_connections_fills_the_emptiest_and_breaks_ties_in_turn()
        {
            var scheduler = new LeastConnectionsScheduler();
            Backend[] pool = Pool(1, 1, 1);

            string first = Sequence(scheduler, pool, 6, hold: true);     // ties in turn: a b c, then again
            pool[1].Release();
            pool[1].Release();                                           // b has none open now
            string afterRelease = Sequence(scheduler, pool, 3, hold: true);
            _output.WriteLine($"LC 1,1,1 held: {first}; b released twice: {afterRelease}");

            Assert.Equal("a b c a b c", first);
            Assert.Equal("b b c", afterRelease);
        }

        [Fact]
        public void Least_connections_respects_weights()
        {
            var scheduler = new LeastConnectionsScheduler();
            Backend[] pool = Pool(2, 1);

            string picks = Sequence(scheduler, pool, 9, hold: true);
            _output.WriteLine("LC 2,1 held: " + picks);

            // (active + 1) / weight: a 0.5 < b 1; then a 1 = b 1, the tie in turn ...
            Assert.Equal(6, picks.Split(' ').Count(p => p == "a"));
            Assert.Equal(3, picks.Split(' ').Count(p => p == "b"));
            Assert.Equal(new[] { 6, 3 }, pool.Select(b => b.ActiveConnections));
        }

        [Fact]
        public void First_fills_each_backend_up_to_its_limit_then_the_next()
        {
            var scheduler = new FirstScheduler();
            Backend[] pool = Pool(new[] { 1, 1, 1 }, backups: 0, maxConnections: 2);

            string filling = Sequence(scheduler, pool, 7, hold: true);
            pool[0].Release();
            string afterRelease = Sequence(scheduler, pool, 2, hold: true);
            _output.WriteLine($"First, 2 each, held: {filling}; a released once: {afterRelease}");

            Assert.Equal("a a b b c c -", filling);
            Assert.Equal("a -", afterRelease);
        }

        [Theory]
        [MemberData(nameof(AllAlgorithms))]
        public void Every_algorithm_skips_down_disabled_and_draining_backends(BalancingAlgorithm algorithm)
        {
            BackendScheduler scheduler = BackendScheduler.Create(algorithm);
            Backend[] pool = Pool(1, 3, 3, 3);
            TakeDown(pool[1]);
            pool[2].SetAdminState(BackendState.Disabled, "test");
            pool[3].SetAdminState(BackendState.Draining, "test");

            var picks = Enumerable.Range(0, 300).Select(i => scheduler.Pick(pool, new PickRequest((ulong)i * 7919, null, 0))).ToList();

            Assert.All(picks, p => Assert.Same(pool[0], p));
            pool[0].SetAdminState(BackendState.Disabled, "test");
            Assert.Null(scheduler.Pick(pool, default));
        }

        [Theory]
        [MemberData(nameof(AllAlgorithms))]
        public void Every_algorithm_uses_backups_only_when_no_primary_is_available(BalancingAlgorithm algorithm)
        {
            BackendScheduler scheduler = BackendScheduler.Create(algorithm);
            Backend[] pool = Pool(new[] { 1, 2 }, backups: 2, maxConnections: 100);
            Backend a = pool[0], b = pool[1];
            var backups = new[] { pool[2], pool[3] };
            IEnumerable<Backend?> Picks(Backend?[]? tried = null, int triedCount = 0)
                => Enumerable.Range(0, 200).Select(i => scheduler.Pick(pool, new PickRequest((ulong)i * 104729, tried, triedCount))).ToList();

            Assert.All(Picks(), p => Assert.Contains(p, new[] { a, b }));
            Assert.All(Picks(new Backend?[] { a }, 1), p => Assert.Same(b, p));        // a tried: b, still no backup

            Assert.All(Picks(new Backend?[] { a, b }, 2), p => Assert.Contains(p, backups)); // both tried for this connection
            TakeDown(a);
            b.SetAdminState(BackendState.Draining, "test");
            var whileDown = Picks();
            Assert.All(whileDown, p => Assert.Contains(p, backups));
            if (algorithm != BalancingAlgorithm.First && algorithm != BalancingAlgorithm.SourceHash)
            {
                Assert.All(backups, k => Assert.Contains(k, whileDown));           // the backups share the load
            }

            b.SetAdminState(BackendState.Up, "test");
            for (int i = 0; i < 100; i++)
            {
                Assert.True(b.TryReserve());                                       // b full
            }
            Assert.All(Picks(), p => Assert.Contains(p, backups));
            b.Release();
            Assert.All(Picks().Take(1), p => Assert.Same(b, p));                   // a slot on a primary: no backup
        }

        [Fact]
        public void Random_follows_the_weights_within_statistical_bounds()
        {
            FastRandom.Seed(12345);
            var scheduler = new RandomScheduler();
            Backend[] pool = Pool(1, 2, 3);
            const int picks = 60_000;

            var counts = Counts(scheduler, pool, picks);
            _output.WriteLine($"Random 1,2,3 over {picks}: {string.Join(", ", counts)}");

            // Expected 10,000 / 20,000 / 30,000; a standard deviation is 91-122: 6 sigma is ~700.
            Assert.InRange(counts[0], 9_300, 10_700);
            Assert.InRange(counts[1], 19_300, 20_700);
            Assert.InRange(counts[2], 29_300, 30_700);
        }

        [Fact]
        public void Power_of_two_choices_keeps_held_connections_even_per_unit_of_weight()
        {
            FastRandom.Seed(777);
            var scheduler = new PowerOfTwoChoicesScheduler();
            Backend[] pool = Pool(1, 1, 1, 1);
            for (int i = 0; i < 20; i++)
            {
                Assert.True(pool[0].TryReserve());                                 // a starts 20 behind
            }

            string first = Sequence(scheduler, pool, 12, hold: true);
            Assert.DoesNotContain("a", first);                                     // a loses every pair
            for (int i = 0; i < 4_000; i++)
            {
                Assert.True(scheduler.Pick(pool, default)!.TryReserve());
            }
            int[] held = pool.Select(b => b.ActiveConnections).ToArray();
            _output.WriteLine($"P2C 1,1,1,1, 4,032 held (a had 20): {string.Join(", ", held)}");
            Assert.True(held.Max() - held.Min() <= 3, string.Join(", ", held));

            Backend[] weighted = Pool(1, 1, 1, 3);
            for (int i = 0; i < 6_000; i++)
            {
                Assert.True(scheduler.Pick(weighted, default)!.TryReserve());
            }
            int[] heldWeighted = weighted.Select(b => b.ActiveConnections).ToArray();
            _output.WriteLine($"P2C 1,1,1,3, 6,000 held: {string.Join(", ", heldWeighted)}");
            // Open connections per unit of weight even out: 1,000 / 1,000 / 1,000 / 3,000.
            Assert.All(heldWeighted.Take(3), h => Assert.InRange(h, 995, 1_005));
            Assert.InRange(heldWeighted[3], 2_985, 3_015);
        }

        [Fact]
        public void Source_hash_keeps_a_client_on_its_backend_and_follows_the_weights()
        {
            var scheduler = new SourceHashScheduler();
            Backend[] pool = Pool(1, 1, 2);
            ulong[] clients = Clients(10_000);

            Backend?[] first = clients.Select(c => scheduler.Pick(pool, new PickRequest(c, null, 0))).ToArray();
            Backend?[] again = clients.Select(c => scheduler.Pick(pool, new PickRequest(c, null, 0))).ToArray();
            int[] counts = pool.Select(b => first.Count(p => p == b)).ToArray();
            _output.WriteLine($"SourceHash 1,1,2 over 10,000 clients: {string.Join(", ", counts)}");

            Assert.Equal(first, again);
            Assert.InRange(counts[0], 2_300, 2_700);                              // 2,500 each, sigma 43
            Assert.InRange(counts[1], 2_300, 2_700);
            Assert.InRange(counts[2], 4_750, 5_250);
        }

        [Theory]
        [InlineData(3)]
        [InlineData(5)]
        [InlineData(10)]
        public void Source_hash_moves_only_the_share_of_the_backend_that_joins_or_leaves(int n)
        {
            var scheduler = new SourceHashScheduler();
            Backend[] withNext = Pool(Enumerable.Repeat(1, n + 1).ToArray());
            Backend[] pool = withNext.Take(n).ToArray();
            ulong[] clients = Clients(10_000);
            Backend?[] Map(Backend[] backends) => clients.Select(c => scheduler.Pick(backends, new PickRequest(c, null, 0))).ToArray();

            Backend?[] before = Map(pool);
            Backend?[] added = Map(withNext);
            int movedOnAdd = Enumerable.Range(0, clients.Length).Count(i => added[i] != before[i]);
            Assert.All(Enumerable.Range(0, clients.Length).Where(i => added[i] != before[i]), i => Assert.Same(withNext[n], added[i])); // only to the new one

            Backend[] removed = pool.Skip(1).ToArray();                            // the first of N leaves
            Backend?[] afterRemove = Map(removed);
            int movedOnRemove = Enumerable.Range(0, clients.Length).Count(i => afterRemove[i] != before[i]);
            Assert.All(Enumerable.Range(0, clients.Length).Where(i => afterRemove[i] != before[i]), i => Assert.Same(pool[0], before[i])); // only its clients

            TakeDown(pool[0]);                                                     // Down moves the same clients as removed
            Assert.Equal(afterRemove, Map(pool));

            double addShare = movedOnAdd / (double)clients.Length, removeShare = movedOnRemove / (double)clients.Length;
            _output.WriteLine($"SourceHash N={n}, 10,000 clients: add one moves {movedOnAdd} ({addShare:P2}, ideal 1/{n + 1} = {1.0 / (n + 1):P2}); remove one moves {movedOnRemove} ({removeShare:P2}, ideal 1/{n} = {1.0 / n:P2})");
            Assert.InRange(addShare, 0, 1.0 / (n + 1) * 1.15);
            Assert.InRange(removeShare, 0, 1.0 / n * 1.15);
            Assert.True(movedOnAdd > 0 && movedOnRemove > 0);
        }

        [Fact]
        public void Slow_start_gives_a_returning_backend_a_small_share_then_its_full_weight()
        {
            Backend[] pool = Pool(1, 1);
            Backend b = pool[1];
            b.SlowStartTicks = System.Diagnostics.Stopwatch.Frequency * 3600;   // an hour: ramping for the whole test
            TakeDown(b);
            b.OnCheck(true, null, rise: 1, fall: 1);                            // back Up: the ramp starts
            Assert.Equal(BackendState.Up, b.State);
            Assert.True(b.SlowStarting);
            FastRandom.Seed(99);

            foreach (BalancingAlgorithm algorithm in new[] { BalancingAlgorithm.RoundRobin, BalancingAlgorithm.WeightedRoundRobin, BalancingAlgorithm.Random })
            {
                int[] counts = Counts(BackendScheduler.Create(algorithm), pool, 20_000);
                _output.WriteLine($"{algorithm}, b at the start of a slow start: {string.Join(", ", counts)}");
                // 5 % of its weight: ~500 to ~950 of 20,000 (round robin passes its turns to a).
                Assert.InRange(counts[1], 300, 1_300);
            }

            b.SlowStartTicks = 1;                                              // the ramp is over
            Assert.False(b.SlowStarting);
            Assert.Equal(new[] { 10_000, 10_000 }, Counts(new RoundRobinScheduler(), pool, 20_000));
        }

        [Theory]
        [MemberData(nameof(AllAlgorithms))]
        public void A_pick_allocates_nothing(BalancingAlgorithm algorithm)
        {
            BackendScheduler scheduler = BackendScheduler.Create(algorithm);
            Backend[] pool = Pool(new[] { 5, 1, 1 }, backups: 1);
            var request = new PickRequest(42, new Backend?[] { pool[0], null }, 1);
            for (int i = 0; i < 100; i++)
            {
                scheduler.Pick(pool, request);
            }

            Assert.Equal(0, Allocations.QuietestOf(10_000, () => scheduler.Pick(pool, request)));
        }

        private static int[] Counts(BackendScheduler scheduler, Backend[] pool, int picks)
        {
            var counts = new int[pool.Length];
            for (int i = 0; i < picks; i++)
            {
                counts[Array.IndexOf(pool, scheduler.Pick(pool, default))]++;
            }
            return counts;
        }

        /// <summary>Distinct client addresses 10.0.0.1 and on, hashed as the balancer hashes them.</summary>
        private static ulong[] Clients(int count)
            => Enumerable.Range(1, count).Select(i => SourceHashScheduler.HashOf(new IPAddress(new byte[] { 10, (byte)(i >> 16), (byte)(i >> 8), (byte)i }))).ToArray();
    }
}
