namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>What a <see cref="ILoopChunkShaper"/> decides for the bytes (or the FIN) a relay direction holds.</summary>
    internal enum ShapeAction
    {
        /// <summary>Send <c>allowed</c> bytes now (for a FIN: pass it on now). The direction sends them without asking again.</summary>
        Send,

        /// <summary>Send nothing yet; ask again at <c>wakeAt</c> (0: only when something else happens). The bytes stay held: back-pressure.</summary>
        Wait,

        /// <summary>Throw <c>allowed</c> bytes away unsent (for a FIN: never pass it on).</summary>
        Drop,

        /// <summary>Send <c>allowed</c> bytes, then FIN; the rest is dropped and the source read no further.</summary>
        Cut,

        /// <summary>Close the whole connection cleanly: FIN both ways.</summary>
        Close,

        /// <summary>Reset the whole connection (RST both ways), as a dead peer would.</summary>
        Reset,
    }

    /// <summary>
    /// Shapes one direction of a relayed connection on the loop (a toxic, or a chain of them), by
    /// deciding instead of waiting: the direction asks before it sends, keeps what it may not send
    /// yet (so its source is not read: back-pressure, no buffering), and arms the connection's one
    /// timer for the wake time asked for. Called on the loop thread, inline; must not block.
    /// Times are the loop's milliseconds (<c>EpollLoop.Now</c>).
    /// </summary>
    internal interface ILoopChunkShaper
    {
        /// <summary>
        /// <paramref name="pending"/> bytes read from the source wait to be sent (0: a turn with none,
        /// where only decisions about the whole connection, a reset or close after a time, are made,
        /// and anything but Close or Reset means "nothing to do"). <paramref name="allowed"/> is at
        /// most <paramref name="pending"/>; <paramref name="wakeAt"/>, with any action, is when the
        /// shaper wants to be asked again even if nothing else happens (0: no need).
        /// </summary>
        ShapeAction Shape(long now, int pending, out int allowed, out long wakeAt);

        /// <summary>
        /// The source sent FIN and every byte before it is through: Send passes it on now, Wait holds
        /// it until <paramref name="wakeAt"/>, Drop holds it for good (until the connection ends
        /// otherwise), Close or Reset end the connection.
        /// </summary>
        ShapeAction ShapeFin(long now, out long wakeAt);
    }
}
