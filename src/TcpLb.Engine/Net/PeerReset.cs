using System;
using System.Net.Sockets;

namespace TcpLb.Engine.Net
{
    /// <summary>
    /// Whether the peer of a connection nobody is reading has reset it (or it failed otherwise),
    /// without waiting and without consuming a byte. A FIN alone is not a reset: a client may
    /// half-close after its request and still wait for the answer.
    /// </summary>
    internal static class PeerReset
    {
        private static readonly byte[] OneByte = new byte[1];

        /// <summary>
        /// True when the connection is reset or broken: a pending socket error (Linux and BSD keep
        /// any bytes that came before the reset readable, so the error is what tells), or a peek
        /// that fails (Windows drops those bytes and reports the reset on the next receive).
        /// False when nothing happened, bytes wait, or only a FIN arrived. Only for a socket with
        /// no receive in flight, since a pending error it finds is taken.
        /// </summary>
        public static bool HasBeenReset(Socket socket)
        {
            try
            {
                if (!socket.Poll(0, SelectMode.SelectRead))
                {
                    return false; // nothing arrived: no bytes, no FIN, no error
                }
                if (socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error) is int error && error != 0)
                {
                    return true;
                }
                if (socket.Available == 0)
                {
                    // Readable with nothing to read: a FIN (the peek returns 0 at once) or a reset (it throws).
                    socket.Receive(OneByte, 0, 1, SocketFlags.Peek);
                }
                return false;
            }
            catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
            {
                return true;
            }
        }
    }
}
