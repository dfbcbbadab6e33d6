namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>One end of a relayed connection.</summary>
    internal enum RelaySide
    {
        /// <summary>The client that connected to the listener.</summary>
        Client,

        /// <summary>The backend the relay connected to.</summary>
        Server,
    }
}
