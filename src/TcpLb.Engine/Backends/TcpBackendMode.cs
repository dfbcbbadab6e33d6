namespace TcpLb.Engine.Backends
{
    /// <summary>How a test backend answers.</summary>
    public enum TcpBackendMode
    {
        /// <summary>Answers each connection with "Response from server running on port N", then closes.</summary>
        Identify,

        /// <summary>Returns every byte unchanged and half-closes when the client does.</summary>
        Echo,
    }
}
