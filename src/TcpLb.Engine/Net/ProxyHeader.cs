using System.Net;

namespace TcpLb.Engine.Net
{
    /// <summary>
    /// What a PROXY protocol header said: the client's address and the address it connected to,
    /// as the proxy in front saw them. <see cref="Source"/> is null for a header that carries no
    /// address (v1 UNKNOWN, v2 LOCAL such as a proxy's own health check, or v2 UNSPEC/UNIX): the
    /// connection's own addresses stand then.
    /// </summary>
    internal sealed class ProxyHeader
    {
        public ProxyHeader(ProxyProtocolVersion version, IPEndPoint? source, IPEndPoint? destination)
        {
            Version = version;
            Source = source;
            Destination = destination;
        }

        public ProxyProtocolVersion Version { get; }

        public IPEndPoint? Source { get; }

        public IPEndPoint? Destination { get; }

        public override string ToString()
            => $"PROXY {Version}: " + (Source == null ? "no address" : Endpoints.Format(Source) + " -> " + (Destination == null ? "?" : Endpoints.Format(Destination)));
    }
}
