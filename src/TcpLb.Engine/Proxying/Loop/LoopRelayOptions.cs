using System.Collections.Generic;
using System.Net;

namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>Settings of a <see cref="LoopRelay"/>: the bare relay on the engine's own loops.</summary>
    internal sealed class LoopRelayOptions : RelayListenerOptions
    {
        /// <summary>Backends, used round robin per connection, exactly across loops.</summary>
        public IList<IPEndPoint> Backends { get; } = new List<IPEndPoint>();

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
    }
}
