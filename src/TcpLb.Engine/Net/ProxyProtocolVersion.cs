namespace TcpLb.Engine.Net
{
    /// <summary>The PROXY protocol (HAProxy's, spec at haproxy.org/download/2.6/doc/proxy-protocol.txt) version a connection speaks.</summary>
    public enum ProxyProtocolVersion
    {
        /// <summary>No PROXY header.</summary>
        None = 0,

        /// <summary>The human-readable header: "PROXY TCP4 192.0.2.1 192.0.2.2 51234 8080\r\n", 107 bytes at most.</summary>
        V1 = 1,

        /// <summary>The binary header: a 16-byte prefix with a 12-byte signature, then the addresses (and optional TLVs).</summary>
        V2 = 2,
    }
}
