using TcpLb.Engine.Net.EventLoop;

namespace TcpLb.Engine.Tests.EventLoop
{
    /// <summary>
    /// The packed layout's policy (<see cref="LoopPacking"/>): under load it measures the count it
    /// holds, tries another, and measures the held count again; fewer loops are kept unless they
    /// relay clearly less, more loops only when they relay clearly more.
    /// </summary>
    public class LoopPackingTests
    {
        private const double Busy = 0.8;
        private const double Quiet = 0.05;
        private const long Held = 3_000_000; // bytes per window with the held count

        /// <summary>Windows from the start of a measurement of the held count to its end.</summary>
        private const int HeldWindows = LoopPacking.WindowsToSettle + LoopPacking.WindowsMeasured;

        /// <summary>Windows from the start of a trial to its verdict.</summary>
        private const int TrialWindows = LoopPacking.WindowsToSettleTrial + LoopPacking.WindowsMeasured;

        [Fact]
        public void A_group_starts_with_every_loop_and_a_quiet_one_keeps_them()
        {
            var packing = new LoopPacking(2);
            Assert.Equal(2, packing.Active);
            for (int i = 0; i < 1000; i++)
            {
                Assert.False(packing.Observe(Quiet, 1000, 130));
            }
            Assert.Equal(2, packing.Active);
        }

        [Fact]
        public void Under_load_it_measures_two_loops_then_tries_one_and_keeps_it_when_it_relays_clearly_more()
        {
            var packing = new LoopPacking(2);
            Assert.Equal(1, ChangeAfter(packing, Held, HeldWindows + 1)); // the first loaded window starts the measurement
            Assert.Equal(1, packing.Active);
            Assert.Contains("trying 1 loops against 2 (12.0 MB/s)", packing.Reason);

            // Settling windows do not count: a slump right after the moves is no verdict.
            for (int i = 0; i < LoopPacking.WindowsToSettleTrial; i++)
            {
                Assert.False(packing.Observe(Busy, 10, 130));
            }
            for (int i = 1; i < LoopPacking.WindowsMeasured; i++)
            {
                Assert.False(packing.Observe(Busy, (long)(Held * 1.2), 130));
            }
            // Ahead: two loops once more, to tell a better count from a load that was growing.
            Assert.True(packing.Observe(Busy, (long)(Held * 1.2), 130));
            Assert.Equal(2, packing.Active);
            Assert.Contains("measuring again: 1 loops relayed 14.4 MB/s, 2 loops 12.0 MB/s", packing.Reason);
            Assert.Equal(1, ChangeAfter(packing, Held, HeldWindows));
            Assert.Equal(1, packing.Active);
            Assert.Contains("kept 1 loops: 1 loops relayed 14.4 MB/s, 2 loops 12.0 MB/s, then 12.0 MB/s", packing.Reason);
        }

        [Theory]
        [InlineData(0.98)] // within the margin: one loop does the same work with one thread less
        [InlineData(1.0)]
        [InlineData(1.02)]
        public void Fewer_loops_that_relay_about_as_much_as_the_held_count_are_kept(double share)
        {
            var packing = new LoopPacking(2);
            ChangeAfter(packing, Held, HeldWindows + 1); // trying one loop
            ChangeAfter(packing, (long)(Held * share), TrialWindows);
            Assert.Equal(2, packing.Active);
            Assert.Contains("measuring again", packing.Reason);
            Assert.Equal(1, ChangeAfter(packing, Held, HeldWindows));
            Assert.Equal(1, packing.Active);
            Assert.StartsWith("kept 1 loops", packing.Reason);
        }

        [Fact]
        public void Fewer_loops_are_judged_against_the_held_count_around_them_when_the_load_drifts()
        {
            // A growing load: the trial, measured between the held count's two measurements, is
            // weighed against their average (what two loops would have relayed at its time).
            var packing = new LoopPacking(2);
            ChangeAfter(packing, Held, HeldWindows + 1); // trying one loop
            ChangeAfter(packing, (long)(Held * 1.2), TrialWindows); // ahead of the first measurement
            for (int i = 0; i < HeldWindows; i++)
            {
                Assert.False(packing.Observe(Busy, (long)(Held * 1.6), 130)); // but the load grew more than that
            }
            Assert.Equal(2, packing.Active);
            Assert.Equal("back to 2 loops: 1 loops relayed 14.4 MB/s, 2 loops 12.0 MB/s, then 19.2 MB/s", packing.Reason);

            // A shrinking load: behind the first measurement, level with the average.
            packing = new LoopPacking(2);
            ChangeAfter(packing, Held, HeldWindows + 1);
            ChangeAfter(packing, (long)(Held * 0.98), TrialWindows);
            Assert.Equal(1, ChangeAfter(packing, (long)(Held * 0.96), HeldWindows));
            Assert.Equal(1, packing.Active);
            Assert.Contains("kept 1 loops", packing.Reason);
        }

        [Fact]
        public void More_loops_that_were_only_ahead_of_a_growing_load_are_not_kept()
        {
            var packing = OnOneLoopUntilTheNextTrial();
            Assert.Contains("trying 2 loops against 1 (24.0 MB/s)", packing.Reason);
            ChangeAfter(packing, (long)(Held * 2.4), TrialWindows); // ahead: one loop again
            Assert.Equal(1, packing.Active);
            for (int i = 0; i < HeldWindows; i++)
            {
                Assert.False(packing.Observe(Busy, (long)(Held * 2.5), 130)); // the load, not the count
            }
            Assert.Equal(1, packing.Active);
            Assert.Contains("back to 1 loops: 2 loops relayed 28.8 MB/s, 1 loops 24.0 MB/s, then 30.0 MB/s", packing.Reason);
        }

        [Fact]
        public void More_loops_that_relay_clearly_more_than_both_of_the_held_count_s_measurements_are_kept()
        {
            var packing = OnOneLoopUntilTheNextTrial();
            KeepTrial(packing, (long)(Held * 2.4), Held * 2);
            Assert.Equal(2, packing.Active);
            Assert.Contains("kept 2 loops: 2 loops relayed 28.8 MB/s, 1 loops 24.0 MB/s, then 24.0 MB/s", packing.Reason);
        }

        [Fact]
        public void Another_load_starts_again_from_every_loop_at_once_and_the_same_load_later_is_tried_from_the_held_count()
        {
            var packing = new LoopPacking(4);
            ChangeAfter(packing, Held, HeldWindows + 1); // 4 -> trying 3
            KeepTrial(packing, Held * 2, Held); // kept 3

            // The same load, later: the held count is measured, then one fewer is tried.
            LoadUntilTheNextTrial(packing, Held * 2);
            Assert.Equal(2, packing.Active);
            KeepTrial(packing, Held * 3, Held * 2); // kept 2

            // Four streams after one (the open sockets 1.5x for a second): every loop at once.
            for (int i = 1; i < LoopPacking.WindowsMeasured; i++)
            {
                Assert.False(packing.Observe(Busy, Held * 3, 300), $"window {i}");
            }
            Assert.True(packing.Observe(Busy, Held * 3, 300));
            Assert.Equal(4, packing.Active);
            Assert.Contains("another load", packing.Reason);
            // Then measured there (from the window that saw it), and one fewer tried.
            ChangeAfter(packing, Held * 3, HeldWindows);
            Assert.Equal(3, packing.Active);
        }

        [Theory]
        [InlineData(0.5)]
        [InlineData(0.85)]
        [InlineData(0.96)] // beyond the margin: clearly less
        public void Fewer_loops_that_relay_clearly_less_go_back_at_once(double share)
        {
            var packing = new LoopPacking(2);
            ChangeAfter(packing, Held, HeldWindows + 1);
            Assert.Equal(1, ChangeAfter(packing, (long)(Held * share), TrialWindows));
            Assert.Equal(2, packing.Active);
            Assert.Contains("back to 2 loops", packing.Reason);
        }

        [Theory]
        [InlineData(0.85)]
        [InlineData(1.0)]
        [InlineData(1.02)] // within the margin: not clearly more
        public void More_loops_that_do_not_relay_clearly_more_go_back_at_once(double share)
        {
            var packing = OnOneLoopUntilTheNextTrial();
            Assert.Equal(1, ChangeAfter(packing, (long)(Held * 2 * share), TrialWindows));
            Assert.Equal(1, packing.Active);
            Assert.Contains("back to 1 loops", packing.Reason);
        }

        [Fact]
        public void The_held_count_is_tried_against_again_only_after_a_while_under_load()
        {
            var packing = new LoopPacking(2);
            ChangeAfter(packing, Held, HeldWindows + 1);
            ChangeAfter(packing, Held / 2, TrialWindows); // back to two
            for (int i = 0; i < 1000; i++)
            {
                Assert.False(packing.Observe(Quiet, 100, 130)); // quiet time does not count
            }
            for (int i = 1; i < LoopPacking.LoadedWindowsBetweenTrials; i++)
            {
                Assert.False(packing.Observe(Busy, Held, 130), $"loaded window {i}");
            }
            Assert.Equal(1, ChangeAfter(packing, Held, HeldWindows + 1));
            Assert.Equal(1, packing.Active);
        }

        [Theory]
        [InlineData(6, 12, true)]    // one iperf3 stream, then four: another load
        [InlineData(130, 60, true)]  // half the connections gone
        [InlineData(6, 9, false)]    // too few sockets to tell
        [InlineData(130, 150, false)] // the same load, a few connections more
        public void A_load_whose_open_sockets_change_clearly_is_measured_at_once(int atDecision, int now, bool measuredAtOnce)
        {
            var packing = new LoopPacking(2);
            for (int i = 0; i < HeldWindows; i++)
            {
                packing.Observe(Busy, Held, atDecision);
            }
            Assert.True(packing.Observe(Busy, Held, atDecision)); // trying one loop
            KeepTrial(packing, Held * 2, Held, atDecision); // one loop relays twice as much
            // A load opening or closing its connections changes the count for a moment only: no trial.
            for (int i = 0; i < 10; i++)
            {
                Assert.False(packing.Observe(Busy, Held * 2, i % LoopPacking.WindowsMeasured == 0 ? atDecision : now));
            }
            Assert.Equal(1, packing.Active);
            bool tried = false;
            for (int i = 0; i < LoopPacking.WindowsMeasured + HeldWindows && !tried; i++)
            {
                tried = packing.Observe(Busy, Held * 2, now); // at the rate of the decision
            }
            Assert.Equal(measuredAtOnce, tried);
            Assert.Equal(measuredAtOnce ? 2 : 1, packing.Active);
        }

        [Theory]
        [InlineData(0.25, true)] // new connections after keep-alive requests
        [InlineData(2.2, true)]
        [InlineData(0.7, false)] // the same load on a machine slower for a while
        [InlineData(1.6, false)]
        public void A_load_whose_rate_changes_clearly_is_measured_at_once(double rate, bool measuredAtOnce)
        {
            var packing = new LoopPacking(2);
            for (int i = 0; i < HeldWindows; i++)
            {
                packing.Observe(Busy, Held, 130);
            }
            Assert.True(packing.Observe(Busy, Held, 130)); // trying one loop
            KeepTrial(packing, Held * 2, Held);
            for (int i = 0; i < 50; i++)
            {
                Assert.False(packing.Observe(Quiet, 0, 2)); // quiet between loads: no verdict lost
            }
            bool tried = false;
            for (int i = 0; i < LoopPacking.WindowsMeasured + HeldWindows + 1 && !tried; i++)
            {
                tried = packing.Observe(Busy, (long)(Held * 2 * rate), 130);
            }
            Assert.Equal(measuredAtOnce, tried);
        }

        [Fact]
        public void The_part_loaded_windows_where_one_run_of_a_load_ends_and_the_next_begins_are_not_another_load()
        {
            var packing = new LoopPacking(2);
            ChangeAfter(packing, Held, HeldWindows + 1); // trying one loop
            KeepTrial(packing, Held * 2, Held); // kept one loop at twice the bytes
            for (int round = 0; round < 5; round++)
            {
                // A run's last windows, the last one partly loaded; quiet; the next run's first window partly loaded.
                Assert.False(packing.Observe(Busy, Held * 2, 130));
                Assert.False(packing.Observe(Busy, Held * 2, 130));
                Assert.False(packing.Observe(Busy, Held / 2, 130));
                for (int i = 0; i < 20; i++)
                {
                    Assert.False(packing.Observe(Quiet, 0, 2));
                }
                Assert.False(packing.Observe(Busy, Held / 2, 130));
                Assert.False(packing.Observe(Busy, Held * 2, 130));
            }
            Assert.Equal(1, packing.Active);
            Assert.Contains("kept 1 loops", packing.Reason);
        }

        [Fact]
        public void A_load_that_goes_away_mid_trial_leaves_the_held_count_and_no_verdict()
        {
            var packing = new LoopPacking(2);
            ChangeAfter(packing, Held, HeldWindows + 1);
            Assert.Equal(1, packing.Active);
            Assert.True(packing.Observe(Quiet, 0, 130));
            Assert.Equal(2, packing.Active);
            Assert.Contains("the load went away during the trial", packing.Reason);
            // The next load is measured at once, not after the wait between trials.
            ChangeAfter(packing, Held, HeldWindows + 1);
            Assert.Equal(1, packing.Active);
        }

        [Fact]
        public void A_load_that_goes_away_while_the_held_count_is_measured_again_leaves_it_and_no_verdict()
        {
            var packing = new LoopPacking(2);
            ChangeAfter(packing, Held, HeldWindows + 1); // trying one loop
            ChangeAfter(packing, Held * 2, TrialWindows); // ahead: two loops again
            Assert.False(packing.Observe(Quiet, 0, 130));
            Assert.Equal(2, packing.Active);
            Assert.Contains("the load went away during the trial", packing.Reason);
            ChangeAfter(packing, Held, HeldWindows + 1); // the next load is measured at once
            Assert.Equal(1, packing.Active);
        }

        [Fact]
        public void A_load_that_goes_away_while_the_held_count_is_measured_starts_the_measurement_over()
        {
            var packing = new LoopPacking(2);
            for (int i = 0; i < HeldWindows; i++)
            {
                Assert.False(packing.Observe(Busy, Held, 130));
            }
            Assert.False(packing.Observe(Quiet, 0, 130));
            // A whole new measurement, not the rest of the old one.
            Assert.Equal(1, ChangeAfter(packing, Held, HeldWindows + 1));
            Assert.Equal(1, packing.Active);
        }

        [Fact]
        public void A_measurement_leaves_out_its_lowest_window()
        {
            var packing = new LoopPacking(2);
            ChangeAfter(packing, Held, HeldWindows + 1); // trying one loop
            for (int i = 0; i < LoopPacking.WindowsToSettleTrial; i++)
            {
                Assert.False(packing.Observe(Busy, Held, 130));
            }
            for (int i = 1; i < LoopPacking.WindowsMeasured; i++)
            {
                Assert.False(packing.Observe(Busy, (long)(Held * 1.2), 130));
            }
            // One window stalls (the machine, not the count): the trial is judged on the others.
            Assert.True(packing.Observe(Busy, Held / 4, 130));
            Assert.Contains("measuring again: 1 loops relayed 14.4 MB/s, 2 loops 12.0 MB/s", packing.Reason);
        }

        [Fact]
        public void A_trial_during_which_the_load_changes_its_connections_leaves_the_held_count_and_no_verdict()
        {
            var packing = new LoopPacking(2);
            ChangeAfter(packing, Held, HeldWindows + 1); // trying one loop
            for (int i = 0; i < LoopPacking.WindowsToSettleTrial + 1; i++)
            {
                Assert.False(packing.Observe(Busy, Held * 2, 130));
            }
            // The load closes its connections and opens others (a client restarting): still busy, but not the load measured.
            Assert.True(packing.Observe(Busy, Held * 2, 2));
            Assert.Equal(2, packing.Active);
            Assert.Contains("back to 2 loops: the load's connections changed during the trial", packing.Reason);
            // The load that follows is measured at once, not after the wait between trials.
            ChangeAfter(packing, Held, HeldWindows + 1);
            Assert.Equal(1, packing.Active);
        }

        [Fact]
        public void A_held_measurement_during_which_the_load_changes_its_connections_starts_over()
        {
            var packing = new LoopPacking(2);
            for (int i = 0; i < LoopPacking.WindowsToSettle + 2; i++)
            {
                Assert.False(packing.Observe(Busy, Held, 130));
            }
            Assert.False(packing.Observe(Busy, Held, 2));
            // A whole new measurement from the next window, not the rest of the old one.
            ChangeAfter(packing, Held, HeldWindows);
            Assert.Equal(1, packing.Active);
        }

        [Fact]
        public void New_connections_churning_their_sockets_do_not_spoil_a_measurement()
        {
            var packing = new LoopPacking(2);
            // 130 up to the measurement's first window (after the one that starts it and the settling ones), then up to half again either way.
            int[] churn = { 200, 70, 180 };
            int first = LoopPacking.WindowsToSettle + 1;
            int Sockets(int window) => window <= first ? 130 : churn[window % churn.Length];
            for (int i = 0; i < HeldWindows; i++)
            {
                Assert.False(packing.Observe(Busy, Held, Sockets(i)));
            }
            Assert.True(packing.Observe(Busy, Held, Sockets(HeldWindows)));
            Assert.Equal(1, packing.Active);
        }

        [Fact]
        public void A_decision_remembers_the_sockets_of_its_measurement_on_average_not_of_its_last_window()
        {
            var packing = new LoopPacking(2);
            // New connections: the sockets churn from window to window, and the window that decides has few.
            int deciding = 2 * HeldWindows + TrialWindows; // held, trial, held again (0-based)
            int[] churn = { 150, 190, 130, 170 };
            int Sockets(int window) => window == deciding ? 85 : churn[window % churn.Length];
            for (int i = 0; i < deciding; i++)
            {
                packing.Observe(Busy, packing.Active == 1 ? Held * 2 : Held, Sockets(i));
            }
            Assert.True(packing.Observe(Busy, Held, Sockets(deciding)));
            Assert.StartsWith("kept 1 loops", packing.Reason);
            // The same load goes on: not another load (85 against 130-190 would be, four windows in a row).
            for (int i = deciding + 1; i < deciding + 40; i++)
            {
                Assert.False(packing.Observe(Busy, Held * 2, Sockets(i)), $"window {i}");
            }
            Assert.Equal(1, packing.Active);
        }

        [Fact]
        public void A_load_that_fewer_loops_could_not_run_keeps_every_loop_untried()
        {
            var packing = new LoopPacking(2);
            const double BothLoopsBusy = 1.3; // four bulk streams: more than one loop's core
            for (int i = 0; i < LoopPacking.LoadedWindowsBetweenTrials + HeldWindows; i++)
            {
                Assert.False(packing.Observe(BothLoopsBusy, Held, 12), $"window {i}");
            }
            Assert.Equal(2, packing.Active);
            Assert.Equal("kept 2 loops untried: they ran 1.30 cores (12.0 MB/s), more than 1 can", packing.Reason);
            // The same load once it needs less than a loop's core: tried as usual (the wait between trials is over).
            bool tried = false;
            for (int i = 0; i < 2 * HeldWindows && !tried; i++)
            {
                tried = packing.Observe(Busy, Held, 12);
            }
            Assert.True(tried);
            Assert.Equal(1, packing.Active);
        }

        [Fact]
        public void When_fewer_loops_could_not_run_the_work_one_more_is_tried_instead()
        {
            var packing = new LoopPacking(4);
            ChangeAfter(packing, Held, HeldWindows + 1); // 4 -> trying 3
            KeepTrial(packing, Held * 2, Held); // kept 3
            for (int i = 1; i < LoopPacking.LoadedWindowsBetweenTrials + HeldWindows; i++)
            {
                Assert.False(packing.Observe(2.5, Held * 2, 130), $"loaded window {i}"); // three loops running 2.5 cores
            }
            Assert.True(packing.Observe(2.5, Held * 2, 130));
            Assert.Equal(4, packing.Active);
            Assert.Contains("trying 4 loops against 3", packing.Reason);
        }

        [Fact]
        public void With_more_loops_it_steps_one_at_a_time_on_in_the_direction_that_won_and_a_lost_trial_turns_it()
        {
            var packing = new LoopPacking(4);
            ChangeAfter(packing, Held, HeldWindows + 1); // 4 -> trying 3
            Assert.Equal(3, packing.Active);
            KeepTrial(packing, Held * 2, Held); // kept 3
            LoadUntilTheNextTrial(packing, Held * 2);
            Assert.Equal(2, packing.Active); // on down: trying 2
            ChangeAfter(packing, Held, TrialWindows); // lost: back to 3
            Assert.Equal(3, packing.Active);
            LoadUntilTheNextTrial(packing, Held * 2);
            Assert.Equal(4, packing.Active); // the other way this time
        }

        [Fact]
        public void A_group_of_one_loop_never_tries()
        {
            var packing = new LoopPacking(1);
            for (int i = 0; i < 1000; i++)
            {
                Assert.False(packing.Observe(Busy, Held, 130));
            }
            Assert.Equal(1, packing.Active);
        }

        [Fact]
        public void When_the_figures_cannot_be_read_every_loop_takes_connections_for_good()
        {
            var packing = new LoopPacking(3);
            packing.ActivateAll("no figures");
            Assert.Equal(3, packing.Active);
            Assert.Equal("no figures", packing.Reason);
            for (int i = 0; i < 1000; i++)
            {
                Assert.False(packing.Observe(Busy, Held, 130));
            }
            Assert.Equal(3, packing.Active);
        }

        /// <summary>Loaded windows of <paramref name="bytes"/> each; the window (1-based) whose figures changed the count, after asserting it changed there and not before.</summary>
        private static int ChangeAfter(LoopPacking packing, long bytes, int windows, int openSockets = 130)
        {
            for (int i = 1; i < windows; i++)
            {
                Assert.False(packing.Observe(Busy, bytes, openSockets), $"window {i} of {windows}");
            }
            Assert.True(packing.Observe(Busy, bytes, openSockets), $"window {windows}");
            return 1;
        }

        /// <summary>A trial relaying <paramref name="trialBytes"/> a window (ahead), then the held count measured again at <paramref name="heldAgain"/>: kept.</summary>
        private static void KeepTrial(LoopPacking packing, long trialBytes, long heldAgain, int openSockets = 130)
        {
            int trial = packing.Active;
            ChangeAfter(packing, trialBytes, TrialWindows, openSockets);
            Assert.Contains("measuring again", packing.Reason);
            ChangeAfter(packing, heldAgain, HeldWindows, openSockets);
            Assert.Equal(trial, packing.Active);
            Assert.Contains("kept", packing.Reason);
        }

        /// <summary>A group of two that kept one loop at twice the held count's bytes, under the same load until its next trial (of two loops).</summary>
        private static LoopPacking OnOneLoopUntilTheNextTrial()
        {
            var packing = new LoopPacking(2);
            ChangeAfter(packing, Held, HeldWindows + 1);
            KeepTrial(packing, Held * 2, Held);
            LoadUntilTheNextTrial(packing, Held * 2);
            Assert.Equal(2, packing.Active);
            return packing;
        }

        /// <summary>Loaded windows at the decided rate until the next trial starts (and changes the count).</summary>
        private static void LoadUntilTheNextTrial(LoopPacking packing, long bytes)
        {
            for (int i = 1; i < LoopPacking.LoadedWindowsBetweenTrials; i++)
            {
                Assert.False(packing.Observe(Busy, bytes, 130), $"loaded window {i}");
            }
            ChangeAfter(packing, bytes, HeldWindows + 1);
        }
    }
}
