using System.Net;

namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>
    /// A sockaddr kept by value (the peer address accept4 wrote), decoded only when someone asks:
    /// the access gate, SourceHash or an outgoing PROXY header. No getpeername per connection.
    /// </summary>
    internal unsafe struct SockAddrBuffer
    {
        private fixed byte _bytes[SockAddr.MaxSize];
        private int _length;

        public bool IsEmpty => _length == 0;

        public void CopyFrom(byte* addr, int length)
        {
            int count = length < SockAddr.MaxSize ? length : SockAddr.MaxSize;
            fixed (byte* bytes = _bytes)
            {
                for (int i = 0; i < count; i++)
                {
                    bytes[i] = addr[i];
                }
            }
            _length = count;
        }

        /// <summary>The endpoint (a new object each call), or null when none was kept.</summary>
        public IPEndPoint? ToEndPoint()
        {
            if (_length == 0)
            {
                return null;
            }
            fixed (byte* bytes = _bytes)
            {
                return SockAddr.Read(bytes, _length);
            }
        }
    }
}
