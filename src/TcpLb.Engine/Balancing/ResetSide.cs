namespace TcpLb.Engine.Balancing
{
    /// <summary>Which side of a relayed connection reset it (the other side was reset in turn).</summary>
    internal enum ResetSide
    {
        None,
        Client,
        Server,
    }
}
