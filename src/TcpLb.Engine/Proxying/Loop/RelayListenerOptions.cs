using System;
using System.Net;
using TcpLb.Engine.Net.EventLoop;

namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>Settings of a <see cref="RelayListener"/>: where it listens, its loops, their buffers, the connections' deadlines.</summary>
    internal class RelayListenerOptions
    {
        public IPEndPoint ListenEndPoint { get; set; } = new IPEndPoint(IPAddress.Loopback, 0);

        /// <summary>Loop threads; by default one per core, or what <c>TCPLB_LOOPS</c> says (a diagnostic, <see cref="LoopCounts"/>).</summary>
        public int LoopCount { get; set; } = LoopCounts.Default;

        /// <summary>
        /// How connections are accepted and spread over the loops; by default
        /// <see cref="LoopLayouts.BuiltIn"/>, or what <c>TCPLB_LOOP_LAYOUT</c> says (a diagnostic for
        /// the bench's A/B runs, docs/design/event-loop.md).
        /// </summary>
        public LoopLayout Layout { get; set; } = LoopLayouts.Default;

        public int Backlog { get; set; } = 4096;

        /// <summary>The first deadlines; live afterwards through <see cref="RelayListener.Connections"/>.</summary>
        public RelayTimeouts Timeouts { get; set; } = new RelayTimeouts(5000, 0, 0);

        public int BufferSize { get; set; } = NativeBufferPool.DefaultBufferSize;

        public int MaxRetainedBuffers { get; set; } = NativeBufferPool.DefaultMaxRetained;

        public ILoopTrace? Trace { get; set; }
    }
}
