using System.Net;
using TcpLb.Engine.Net;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// The PROXY headers of one client connection, written once per version and sent again on
    /// each retry or redispatch (backends may want different versions).
    /// </summary>
    internal sealed class OutgoingProxyHeaders
    {
        private readonly IPEndPoint? _source;
        private readonly IPEndPoint? _destination;
        private byte[]? _v1;
        private byte[]? _v2;

        public OutgoingProxyHeaders(IPEndPoint? source, IPEndPoint? destination)
        {
            _source = source;
            _destination = destination;
        }

        /// <summary>The header of <paramref name="version"/>; null when the connection's addresses are unknown.</summary>
        public byte[]? For(ProxyProtocolVersion version)
        {
            if (_source == null || _destination == null)
            {
                return null;
            }
            return version == ProxyProtocolVersion.V1
                ? _v1 ??= ProxyHeaderWriter.Write(version, _source, _destination)
                : _v2 ??= ProxyHeaderWriter.Write(version, _source, _destination);
        }
    }
}
