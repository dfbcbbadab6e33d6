using System;
using TcpLb.Engine.Proxying.Loop;
using TcpLb.Engine.Proxying.Toxics;

namespace TcpLb.Engine.Tests.EventLoop
{
    /// <summary>
    /// The decision form of each toxic, on a hand-moved clock (loop milliseconds), against the stream
    /// toxics' documented behaviour (Proxying/Toxics/*Toxic.cs).
    /// </summary>
    public class LoopToxicShaperTests
    {
        [Fact]
        public void Latency_holds_each_chunk_for_the_latency_from_when_it_was_offered_then_sends_it_whole()
        {
            var toxic = new ToxicSourceStub(new ToxicDefinition(ToxicType.Latency, latency: TimeSpan.FromMilliseconds(100)));
            ILoopChunkShaper shaper = LoopToxicChain.CreateOne(toxic);
            Assert.IsType<LatencyShaper>(shaper);
            // Due a millisecond after the latency: the loop's clock truncates, so the chunk may have come up to 1 ms after 1000.
            Expect(shaper.Shape(1000, 500, out int allowed, out long wakeAt), ShapeAction.Wait, allowed, 0, wakeAt, 1101);
            Expect(shaper.Shape(1100, 500, out allowed, out wakeAt), ShapeAction.Wait, allowed, 0, wakeAt, 1101);
            Expect(shaper.Shape(1101, 500, out allowed, out wakeAt), ShapeAction.Send, allowed, 500, wakeAt, 0);
            // The next chunk waits its own latency.
            Expect(shaper.Shape(1101, 200, out allowed, out wakeAt), ShapeAction.Wait, allowed, 0, wakeAt, 1202);
            Assert.Equal(ShapeAction.Send, shaper.ShapeFin(1150, out wakeAt)); // the FIN follows the last chunk at once
            // A removed toxic lets everything go; a changed one applies from the next chunk.
            toxic.IsActive = false;
            Expect(shaper.Shape(1150, 200, out allowed, out wakeAt), ShapeAction.Send, allowed, 200, wakeAt, 0);
            toxic.IsActive = true;
            toxic.Current = toxic.Current.With(latency: TimeSpan.FromMilliseconds(30));
            Expect(shaper.Shape(2000, 10, out allowed, out wakeAt), ShapeAction.Wait, allowed, 0, wakeAt, 2031);
        }

        [Fact]
        public void Bandwidth_allows_slices_of_50_ms_on_a_schedule_and_starts_afresh_after_a_pause()
        {
            var toxic = new ToxicSourceStub(new ToxicDefinition(ToxicType.Bandwidth, rateBytesPerSecond: 10_000));
            ILoopChunkShaper shaper = LoopToxicChain.CreateOne(toxic);
            Expect(shaper.Shape(0, 2000, out int allowed, out long wakeAt), ShapeAction.Send, allowed, 500, wakeAt, 0);
            Expect(shaper.Shape(0, 1500, out allowed, out wakeAt), ShapeAction.Wait, allowed, 0, wakeAt, 50);
            Expect(shaper.Shape(50, 1500, out allowed, out wakeAt), ShapeAction.Send, allowed, 500, wakeAt, 0);
            // A late wake-up does not add up: the schedule, not the clock, says when the next is due.
            Expect(shaper.Shape(140, 1000, out allowed, out wakeAt), ShapeAction.Send, allowed, 500, wakeAt, 0);
            Expect(shaper.Shape(140, 500, out allowed, out wakeAt), ShapeAction.Wait, allowed, 0, wakeAt, 150);
            Expect(shaper.Shape(150, 500, out allowed, out wakeAt), ShapeAction.Send, allowed, 500, wakeAt, 0);
            // 2000 bytes by 150 ms at 10,000 B/s: the fourth slice was due at 150 ms.
            // Idle for a second: no credit saved, a new schedule from now.
            Expect(shaper.Shape(1200, 100, out allowed, out wakeAt), ShapeAction.Send, allowed, 100, wakeAt, 0);
            Assert.Equal(ShapeAction.Send, shaper.ShapeFin(1200, out _));
        }

        [Fact]
        public void Slicer_sends_slices_delay_apart_within_a_chunk_and_no_pause_after_its_last()
        {
            var toxic = new ToxicSourceStub(new ToxicDefinition(ToxicType.Slicer, averageSize: 10, sizeVariation: 0, delay: TimeSpan.FromMilliseconds(5)));
            ILoopChunkShaper shaper = LoopToxicChain.CreateOne(toxic);
            Expect(shaper.Shape(0, 25, out int allowed, out long wakeAt), ShapeAction.Send, allowed, 10, wakeAt, 0);
            // Each time a millisecond after the delay, as every toxic's: the loop's clock truncates.
            Expect(shaper.Shape(0, 15, out allowed, out wakeAt), ShapeAction.Wait, allowed, 0, wakeAt, 6);
            Expect(shaper.Shape(5, 15, out allowed, out wakeAt), ShapeAction.Wait, allowed, 0, wakeAt, 6);
            Expect(shaper.Shape(6, 15, out allowed, out wakeAt), ShapeAction.Send, allowed, 10, wakeAt, 0);
            Expect(shaper.Shape(6, 5, out allowed, out wakeAt), ShapeAction.Wait, allowed, 0, wakeAt, 12);
            Expect(shaper.Shape(12, 5, out allowed, out wakeAt), ShapeAction.Send, allowed, 5, wakeAt, 0);
            Expect(shaper.Shape(12, 30, out allowed, out wakeAt), ShapeAction.Send, allowed, 10, wakeAt, 0); // a new chunk: at once
        }

        [Fact]
        public void Limit_data_passes_exactly_its_bytes_then_cuts()
        {
            ILoopChunkShaper shaper = LoopToxicChain.CreateOne(new ToxicSourceStub(new ToxicDefinition(ToxicType.LimitData, bytes: 100)));
            Expect(shaper.Shape(0, 60, out int allowed, out long wakeAt), ShapeAction.Send, allowed, 60, wakeAt, 0);
            Expect(shaper.Shape(0, 60, out allowed, out wakeAt), ShapeAction.Cut, allowed, 40, wakeAt, 0);
            ILoopChunkShaper exact = LoopToxicChain.CreateOne(new ToxicSourceStub(new ToxicDefinition(ToxicType.LimitData, bytes: 50)));
            Expect(exact.Shape(0, 50, out allowed, out wakeAt), ShapeAction.Cut, allowed, 50, wakeAt, 0); // the FIN right after the last byte
            ILoopChunkShaper none = LoopToxicChain.CreateOne(new ToxicSourceStub(new ToxicDefinition(ToxicType.LimitData, bytes: 0)));
            Expect(none.Shape(0, 0, out allowed, out wakeAt), ShapeAction.Send, allowed, 0, wakeAt, 0); // nothing until a chunk comes
            Expect(none.Shape(0, 7, out allowed, out wakeAt), ShapeAction.Cut, allowed, 0, wakeAt, 0);
        }

        [Fact]
        public void Reset_peer_resets_the_timeout_after_its_first_turn_or_at_once()
        {
            ILoopChunkShaper later = LoopToxicChain.CreateOne(new ToxicSourceStub(new ToxicDefinition(ToxicType.ResetPeer, timeout: TimeSpan.FromMilliseconds(200))));
            Expect(later.Shape(1000, 0, out int allowed, out long wakeAt), ShapeAction.Send, allowed, 0, wakeAt, 1201);
            Expect(later.Shape(1100, 50, out allowed, out wakeAt), ShapeAction.Send, allowed, 50, wakeAt, 1201);
            Assert.Equal(ShapeAction.Send, later.ShapeFin(1150, out wakeAt));
            Expect(later.Shape(1200, 0, out allowed, out wakeAt), ShapeAction.Send, allowed, 0, wakeAt, 1201);
            Expect(later.Shape(1201, 0, out allowed, out wakeAt), ShapeAction.Reset, allowed, 0, wakeAt, 1201);
            ILoopChunkShaper now = LoopToxicChain.CreateOne(new ToxicSourceStub(new ToxicDefinition(ToxicType.ResetPeer)));
            Assert.Equal(ShapeAction.Reset, now.Shape(5, 0, out _, out _));
        }

        [Fact]
        public void Timeout_drops_every_byte_holds_the_FIN_and_closes_after_its_timeout_or_never()
        {
            ILoopChunkShaper closing = LoopToxicChain.CreateOne(new ToxicSourceStub(new ToxicDefinition(ToxicType.Timeout, timeout: TimeSpan.FromMilliseconds(300))));
            Expect(closing.Shape(0, 100, out int allowed, out long wakeAt), ShapeAction.Drop, allowed, 100, wakeAt, 301);
            Assert.Equal(ShapeAction.Wait, closing.ShapeFin(10, out wakeAt));
            Assert.Equal(301, wakeAt);
            Assert.Equal(ShapeAction.Send, closing.Shape(300, 0, out _, out _));
            Assert.Equal(ShapeAction.Close, closing.Shape(301, 0, out _, out _));
            ILoopChunkShaper hanging = LoopToxicChain.CreateOne(new ToxicSourceStub(new ToxicDefinition(ToxicType.Timeout)));
            Expect(hanging.Shape(0, 100, out allowed, out wakeAt), ShapeAction.Drop, allowed, 100, wakeAt, 0);
            Assert.Equal(ShapeAction.Drop, hanging.ShapeFin(1_000_000, out wakeAt)); // the FIN is held for good
            Assert.Equal(0, wakeAt);
        }

        [Fact]
        public void Slow_close_passes_bytes_and_holds_the_FIN_for_its_delay()
        {
            ILoopChunkShaper shaper = LoopToxicChain.CreateOne(new ToxicSourceStub(new ToxicDefinition(ToxicType.SlowClose, delay: TimeSpan.FromMilliseconds(100))));
            Expect(shaper.Shape(500, 4096, out int allowed, out long wakeAt), ShapeAction.Send, allowed, 4096, wakeAt, 0);
            Assert.Equal(ShapeAction.Wait, shaper.ShapeFin(500, out wakeAt));
            Assert.Equal(601, wakeAt);
            Assert.Equal(ShapeAction.Wait, shaper.ShapeFin(600, out wakeAt));
            Assert.Equal(ShapeAction.Send, shaper.ShapeFin(601, out _));
        }

        [Fact]
        public void A_chain_asks_each_stage_about_what_the_one_before_let_through_and_pays_a_latency_once()
        {
            ILoopChunkShaper chain = LoopToxicChain.Create(new IToxicSource[]
            {
                new ToxicSourceStub(new ToxicDefinition(ToxicType.Latency, latency: TimeSpan.FromMilliseconds(100))),
                new ToxicSourceStub(new ToxicDefinition(ToxicType.Bandwidth, rateBytesPerSecond: 10_000)),
            })!;
            Expect(chain.Shape(0, 1000, out int allowed, out long wakeAt), ShapeAction.Wait, allowed, 0, wakeAt, 101);
            Expect(chain.Shape(101, 1000, out allowed, out wakeAt), ShapeAction.Send, allowed, 500, wakeAt, 0);
            Expect(chain.Shape(101, 500, out allowed, out wakeAt), ShapeAction.Wait, allowed, 0, wakeAt, 151);
            Expect(chain.Shape(151, 500, out allowed, out wakeAt), ShapeAction.Send, allowed, 500, wakeAt, 0); // no second latency
            Expect(chain.Shape(151, 10, out allowed, out wakeAt), ShapeAction.Wait, allowed, 0, wakeAt, 252); // a new chunk pays its own
        }

        [Fact]
        public void A_chain_cuts_once_the_bytes_before_the_cut_are_through_and_times_the_FIN_with_its_later_stages()
        {
            ILoopChunkShaper chain = LoopToxicChain.Create(new IToxicSource[]
            {
                new ToxicSourceStub(new ToxicDefinition(ToxicType.LimitData, bytes: 800)),
                new ToxicSourceStub(new ToxicDefinition(ToxicType.Bandwidth, rateBytesPerSecond: 10_000)),
                new ToxicSourceStub(new ToxicDefinition(ToxicType.SlowClose, delay: TimeSpan.FromMilliseconds(30))),
            })!;
            Expect(chain.Shape(0, 1000, out int allowed, out long wakeAt), ShapeAction.Send, allowed, 500, wakeAt, 0);
            Expect(chain.Shape(0, 500, out allowed, out wakeAt), ShapeAction.Wait, allowed, 0, wakeAt, 50);
            Expect(chain.Shape(50, 500, out allowed, out wakeAt), ShapeAction.Cut, allowed, 300, wakeAt, 0);
            Assert.Equal(ShapeAction.Wait, chain.ShapeFin(50, out wakeAt));
            Assert.Equal(81, wakeAt);
            Assert.Equal(ShapeAction.Send, chain.ShapeFin(81, out _));
            Assert.Null(LoopToxicChain.Create(Array.Empty<IToxicSource>()));
        }

        private static void Expect(ShapeAction action, ShapeAction expectedAction, int allowed, int expectedAllowed, long wakeAt, long expectedWakeAt)
        {
            Assert.Equal(expectedAction, action);
            Assert.Equal(expectedAllowed, allowed);
            Assert.Equal(expectedWakeAt, wakeAt);
        }
    }

    /// <summary>A toxic's settings as the balancer's toxic list serves them: changeable, removable.</summary>
    internal sealed class ToxicSourceStub : IToxicSource
    {
        public ToxicSourceStub(ToxicDefinition definition) => Current = definition;

        public ToxicDefinition Current { get; set; }

        public bool IsActive { get; set; } = true;
    }
}
