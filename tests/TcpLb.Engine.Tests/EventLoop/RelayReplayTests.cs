using System.Text;
using TcpLb.Engine.Proxying.Loop;
using Xunit;

namespace TcpLb.Engine.Tests.EventLoop
{
    /// <summary>The replay copy a loop connection keeps, and its reuse by the next connection on the same thread.</summary>
    public unsafe class RelayReplayTests
    {
        [Fact]
        public void A_replay_given_back_is_taken_again_by_this_thread_empty_and_able_to_hold()
        {
            RelayReplay first = RelayReplay.Rent();
            first.Begin(16);
            Append(first, "more than sixteen bytes");
            Assert.True(first.GaveUp); // overflowed: the copy is gone for good
            Assert.False(first.IsHolding);
            first.Recycle();

            RelayReplay next = RelayReplay.Rent();

            Assert.Same(first, next);
            Assert.False(next.GaveUp);
            Assert.False(next.IsHolding);
            Assert.Equal(0, next.Count);
            next.Begin(1024);
            Append(next, "abc");
            Assert.True(next.IsHolding);
            Assert.Equal("Hi abc", Encoding.ASCII.GetString(next.WithHeader(Encoding.ASCII.GetBytes("Hi "))));
            next.Recycle();
        }

        [Fact]
        public void Replays_taken_at_once_are_different_ones()
        {
            RelayReplay a = RelayReplay.Rent();
            RelayReplay b = RelayReplay.Rent();

            Assert.NotSame(a, b);
            a.Recycle();
            b.Recycle();
        }

        private static void Append(RelayReplay replay, string text)
        {
            byte[] bytes = Encoding.ASCII.GetBytes(text);
            fixed (byte* p = bytes)
            {
                replay.Append(p, bytes.Length);
            }
        }
    }
}
