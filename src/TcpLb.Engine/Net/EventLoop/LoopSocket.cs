using System;
using static TcpLb.Engine.Net.EventLoop.LinuxNative;

namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>
    /// A descriptor registered once, edge-triggered, for IN|OUT|RDHUP on an <see cref="EpollLoop"/>,
    /// with the readiness the edges reported and the calls consumed: a flag stays set until a call
    /// hits EAGAIN (or a short read says the socket is drained), so an edge that arrives while the
    /// owner cannot act on it (its peer is back-pressured) is remembered, not lost. Loop thread only.
    /// </summary>
    internal sealed unsafe class LoopSocket
    {
        internal LoopSocket(EpollLoop loop, int fd, ILoopSocketHandler handler, int slot, ulong epollData)
        {
            Loop = loop;
            Fd = fd;
            Handler = handler;
            Slot = slot;
            EpollData = epollData;
        }

        public EpollLoop Loop { get; }

        /// <summary>-1 once closed.</summary>
        public int Fd { get; private set; }

        public ILoopSocketHandler Handler { get; }

        internal int Slot { get; }

        /// <summary>What its epoll events carry: the generation of its slot (high 32 bits) and the slot.</summary>
        internal ulong EpollData { get; }

        public bool IsOpen => Fd >= 0;

        /// <summary>A read may find data (or FIN, or an error).</summary>
        public bool ReadReady;

        /// <summary>A send may find room (or an error).</summary>
        public bool WriteReady;

        /// <summary>The peer has sent FIN (EPOLLRDHUP): read until the read returns 0, short reads included.</summary>
        public bool ReadHangup;

        /// <summary>
        /// The last edge said the peer shut its writing side (EPOLLRDHUP) with no error or hangup
        /// beside it: a read shorter than asked has then taken everything before the FIN, so the
        /// reader may take the FIN without the read that would only return 0 (HAProxy's raw_sock
        /// does the same). Not set with EPOLLHUP or EPOLLERR: a reset must still be read as one.
        /// </summary>
        public bool PeerShutWrite;

        /// <summary>
        /// Reads into <paramref name="buffer"/>: the count, 0 at the peer's FIN, or minus errno
        /// (-EAGAIN when drained; <see cref="ReadReady"/> is cleared then, and after a short read
        /// unless the peer has sent FIN, the rule that saves the read that would only say EAGAIN).
        /// </summary>
        public int Receive(byte* buffer, int length)
        {
            int read = Recv(buffer, length, 0);
            TookRead(read, length);
            return read;
        }

        /// <summary>
        /// A receive of up to <paramref name="length"/> bytes returned <paramref name="read"/> (bytes,
        /// 0 at FIN, or minus errno), made here or in the loop's batch: drained at EAGAIN, and after a
        /// short read unless the peer has sent FIN.
        /// </summary>
        internal void TookRead(int read, int length)
        {
            if (read == -EAGAIN || (read > 0 && read < length && !ReadHangup))
            {
                ReadReady = false;
            }
        }

        /// <summary>
        /// Looks at what has arrived without taking it (MSG_PEEK): the count, 0 at FIN, or minus errno.
        /// A peek that finds less than <paramref name="length"/> clears <see cref="ReadReady"/>: the
        /// bytes stay queued, and only new bytes bring a new edge.
        /// </summary>
        public int Peek(byte* buffer, int length)
        {
            int read = Recv(buffer, length, MSG_PEEK);
            if (read > 0 && read < length)
            {
                ReadReady = false;
            }
            return read;
        }

        /// <summary>recv: the count, 0 at FIN, or minus errno (EINTR retried; EAGAIN clears <see cref="ReadReady"/>).</summary>
        private int Recv(byte* buffer, int length, int flags)
        {
            while (true)
            {
                long read = (long)recv(Fd, buffer, (IntPtr)length, flags);
                if (read >= 0)
                {
                    return (int)read;
                }
                int errno = Errno;
                if (errno == EINTR)
                {
                    continue;
                }
                if (errno == EAGAIN)
                {
                    ReadReady = false;
                }
                return -errno;
            }
        }

        /// <summary>Sends what fits: the count sent, or minus errno (-EAGAIN when full; <see cref="WriteReady"/> is cleared then and after a partial send).</summary>
        public int Send(byte* buffer, int length)
        {
            Loop.SettleCalls(); // bytes queued on the loop (on any socket, rarely this one) go first
            while (true)
            {
                long sent = (long)send(Fd, buffer, (IntPtr)length, MSG_NOSIGNAL | MSG_DONTWAIT);
                int errno = sent >= 0 ? 0 : Errno;
                if (errno == EINTR)
                {
                    continue;
                }
                int result = sent >= 0 ? (int)sent : -errno;
                TookSend(result, length);
                return result;
            }
        }

        /// <summary>
        /// A send of <paramref name="length"/> bytes returned <paramref name="sent"/> (bytes or minus
        /// errno), made here or in the loop's batch: counted for the loop, and full at EAGAIN or after
        /// a partial send.
        /// </summary>
        internal void TookSend(int sent, int length)
        {
            if (sent > 0)
            {
                Loop.CountSent(sent);
            }
            if (sent == -EAGAIN || (sent >= 0 && sent < length))
            {
                WriteReady = false;
            }
        }

        /// <summary>Sends FIN (shutdown SHUT_WR); minus errno when the socket is already gone.</summary>
        public int ShutdownSend()
        {
            Loop.SettleCalls(); // the FIN after every byte queued before it
            return shutdown(Fd, SHUT_WR) == 0 ? 0 : -Errno;
        }

        /// <summary>Shuts both ways (shutdown SHUT_RDWR): the peer gets FIN, and reads here see the end at once.</summary>
        public int ShutdownBoth()
        {
            Loop.SettleCalls();
            return shutdown(Fd, SHUT_RDWR) == 0 ? 0 : -Errno;
        }

        /// <summary>Closes with FIN; the loop forgets the descriptor (stale events for it are ignored).</summary>
        public void Close() => Loop.Close(this, reset: false);

        /// <summary>Closes with RST (SO_LINGER 0).</summary>
        public void Reset() => Loop.Close(this, reset: true);

        internal void MarkClosed() => Fd = -1;
    }
}
