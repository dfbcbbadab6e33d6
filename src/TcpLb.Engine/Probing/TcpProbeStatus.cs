namespace TcpLb.Engine.Probing
{
    /// <summary>How one probe connection ended.</summary>
    /// <remarks>
    /// 64-bit on purpose: serializers that cannot carry every 64-bit number exactly (JSON for
    /// JavaScript, so PowerShell's ConvertTo-Json) write such an enum by its name, not as a bare number.
    /// </remarks>
    public enum TcpProbeStatus : long
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
