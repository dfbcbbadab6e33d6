using System;
using System.Net;

namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>
    /// An endpoint already written as a sockaddr, so connecting to it allocates nothing: made once
    /// per backend (and again when its address changes), used for every connection to it.
    /// </summary>
    internal sealed unsafe class NativeEndPoint
    {
        private readonly byte[] _sockaddr = new byte[SockAddr.MaxSize];

        public NativeEndPoint(IPEndPoint endPoint)
        {
            EndPoint = endPoint ?? throw new ArgumentNullException(nameof(endPoint));
            fixed (byte* addr = _sockaddr)
            {
                Length = SockAddr.Write(endPoint, addr);
            }
        }

        public IPEndPoint EndPoint { get; }

        public bool IsIPv6 => Length > 16;

        /// <summary>Bytes of the sockaddr in <see cref="Bytes"/>.</summary>
        public int Length { get; }

        internal byte[] Bytes => _sockaddr;

        public override string ToString() => Endpoints.Format(EndPoint);
    }
}
