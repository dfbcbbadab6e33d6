namespace TcpLb.Engine.Proxying
{
    /// <summary>How one direction of a proxied connection ended.</summary>
    internal enum PumpOutcome
    {
        /// <summary>The source sent FIN and it was passed on as a send-shutdown.</summary>
        Finished,

        /// <summary>Reading the source failed (reset, abort).</summary>
        SourceFailed,

        /// <summary>Writing to the destination failed (reset, abort).</summary>
        DestinationFailed,
    }
}
