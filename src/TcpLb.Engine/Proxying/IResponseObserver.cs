namespace TcpLb.Engine.Proxying
{
    /// <summary>Told when a proxied connection's server sends its first byte (once per connection).</summary>
    internal interface IResponseObserver
    {
        void OnFirstResponseByte();
    }
}
