using System;
using System.Collections.Generic;
using System.Net;
using TcpLb.Engine.Net.EventLoop;

namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>Settings of a <see cref="LoopRelay"/>: the bare relay on the engine's own loops.</summary>
    internal sealed class LoopRelayOptions
    {
        public IPEndPoint ListenEndPoint { get; set; } = new IPEndPoint(IPAddress.Loopback, 0);

        /// <summary>Backends, used round robin per connection, exactly across loops.</summary>
        public IList<IPEndPoint> Backends { get; } = new List<IPEndPoint>();

        /// <summary>Loop threads; by default one per core.</summary>
        public int LoopCount { get; set; } = Environment.ProcessorCount;

        /// <summary>
        /// True: each loop has its own SO_REUSEPORT listener and the kernel spreads connections.
        /// False: one listener on the first loop hands connections to the loops in turn.
        /// </summary>
        public bool ReusePort { get; set; } = true;

        public int Backlog { get; set; } = 4096;

        public RelayTimeouts Timeouts { get; set; } = new RelayTimeouts(5000, 0, 0);

        public int BufferSize { get; set; } = 16 * 1024;

        public int MaxRetainedBuffers { get; set; } = 1024;

        /// <summary>
        /// When above 0: each connection first reads a preamble of at most this many bytes (a PROXY
        /// header) and the observer connects from <see cref="IRelayObserver.OnClientPreamble"/>.
        /// </summary>
        public int PreambleMaxBytes { get; set; }

        public int PreambleTimeoutMilliseconds { get; set; } = 5000;

        /// <summary>When above 0: each connection holds up to this many client bytes for replay (<see cref="IRelayConnection.HoldClientBytes"/>).</summary>
        public int ReplayCapacity { get; set; }

        /// <summary>Every client is held as in an outage (<see cref="IRelayConnection.HoldForOutage"/>), never connected.</summary>
        public bool HoldClients { get; set; }

        public IRelayObserver? Observer { get; set; }

        public ILoopTrace? Trace { get; set; }
    }
}
