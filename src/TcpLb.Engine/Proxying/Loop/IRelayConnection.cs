using System.Net;
using TcpLb.Engine.Net.EventLoop;

namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>
    /// The transport seam, command half: what the balancer's connection pipeline asks of one
    /// client connection's transport. The pipeline decides (admit, gate, pick, attempt, fail over,
    /// replay); the transport moves bytes and reports what happened through <see cref="IRelayObserver"/>.
    /// <see cref="LoopRelayConnection"/> is the Linux implementation (everything on its loop thread);
    /// a stream implementation over DuplexPump is meant to follow for other systems and TLS, raising
    /// the same events. See docs/design/event-loop.md for what is still to add (replay, toxics).
    /// Every member but <see cref="RequestAbort"/> is used on the transport's own thread: inside an
    /// observer callback, or in work posted to the connection's loop.
    /// </summary>
    internal partial interface IRelayConnection
    {
        /// <summary>Whatever the pipeline keeps per connection (its proxied connection).</summary>
        object? State { get; set; }

        /// <summary>The client's address (a new object per call: ask once).</summary>
        IPEndPoint? ClientEndPoint { get; }

        bool IsConnected { get; }

        bool IsClosed { get; }

        /// <summary>
        /// Whether the client is gone or has reset while nothing sent it anywhere (a queued client:
        /// its pending socket error, taken; a FIN alone is no reset). Any thread; an answer that
        /// races the connection's own end is at worst "gone" a little late.
        /// </summary>
        bool ClientHasReset { get; }

        long BytesFromClient { get; }

        long BytesFromServer { get; }

        /// <summary>Shared live counters (per backend; set again on each attempt), null for none.</summary>
        TrafficCounter? ClientCounter { get; set; }

        TrafficCounter? ServerCounter { get; set; }

        /// <summary>
        /// Before any <see cref="ConnectTo"/>: hands the client's first bytes (up to
        /// <paramref name="maxBytes"/>) to <see cref="IRelayObserver.OnClientPreamble"/> until it
        /// accepts or rejects them, within <paramref name="timeoutMilliseconds"/> (0: none; a timeout
        /// is <see cref="RelayTimeout.Preamble"/>). Connect from inside that callback or later.
        /// </summary>
        void ReadPreamble(int maxBytes, int timeoutMilliseconds);

        /// <summary>Bytes the next server gets before any of the client's (PROXY header, replayed bytes).</summary>
        void SendFirst(byte[]? bytes);

        /// <summary>Starts an attempt; the outcome is an observer event (a failure at once before this returns).</summary>
        void ConnectTo(NativeEndPoint backend);

        /// <summary>
        /// Inside <see cref="IRelayObserver.OnConnectFailed"/>: keep the client (its bytes wait) for a
        /// <see cref="ConnectTo"/> posted later to its loop (a pick that waits in the backend queue),
        /// instead of resetting it when the callback returns.
        /// </summary>
        void ConnectLater();

        /// <summary>Told about each server socket (the balancer's loop guard); before <see cref="ConnectTo"/>; null for none.</summary>
        IConnectWitness? ConnectWitness { get; set; }

        /// <summary>Resets both sides now; on the transport's own thread (inside an observer callback).</summary>
        void Abort();

        /// <summary>Resets both sides soon, from any thread.</summary>
        void RequestAbort();
    }
}
