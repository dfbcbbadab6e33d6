namespace TcpLb.Engine.Probing
{
    /// <summary>How one probe connection ended.</summary>
    public enum TcpProbeStatus
    {
        /// <summary>Connected, sent the message, and read the reply to its end.</summary>
        Success,

        /// <summary>Nothing listens at the target: the connection was refused.</summary>
        Refused,

        /// <summary>The connection or the reply did not complete within the timeout.</summary>
        Timeout,

        /// <summary>The peer reset the connection.</summary>
        Reset,

        /// <summary>Any other failure; see Error.</summary>
        Error,
    }
}
