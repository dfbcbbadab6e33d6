using System;
using static TcpLb.Engine.Net.EventLoop.LinuxNative;

namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>
    /// Accepts on one loop: a batch per edge (accept4 with SOCK_NONBLOCK|SOCK_CLOEXEC until EAGAIN,
    /// at most <see cref="BatchSize"/> before other sockets get their turn), and a pause when the
    /// process is out of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM) instead of a busy
    /// loop on a queue it cannot drain. Loop thread only, after <see cref="Start"/> is posted.
    /// </summary>
    internal sealed unsafe class LoopListener : ILoopSocketHandler, ILoopWorkItem, ILoopTimerHandler
    {
        public const int BatchSize = 64;

        /// <summary>How long accepting pauses when the process is out of descriptors.</summary>
        public const int PauseMilliseconds = 100;

        private readonly EpollLoop _loop;
        private readonly IAcceptHandler _handler;
        private readonly LoopTimer _pause;
        private int _fd;
        private LoopSocket? _socket;
        private bool _deferred;

        /// <param name="fd">A listening descriptor (see <see cref="NativeSocket.Listen"/>); the listener owns it.</param>
        public LoopListener(EpollLoop loop, int fd, IAcceptHandler handler)
        {
            _loop = loop;
            _fd = fd;
            _handler = handler;
            _pause = new LoopTimer(this);
        }

        /// <summary>The listening descriptor (-1 once closed).</summary>
        public int Fd => _fd;

        /// <summary>Connections accepted so far.</summary>
        public long Accepted { get; private set; }

        /// <summary>Times accepting paused for lack of descriptors or memory.</summary>
        public long Pauses { get; private set; }

        /// <summary>Registers the listener on its loop (call on the loop thread, or <see cref="EpollLoop.Post"/> the listener).</summary>
        public void Start()
        {
            if (_fd < 0)
            {
                return; // closed before it was registered
            }
            _socket = _loop.Register(_fd, this);
            _socket.ReadReady = true; // connections may have queued before registration
            AcceptBatch();
        }

        void ILoopWorkItem.Execute(EpollLoop loop)
        {
            if (_socket == null)
            {
                Start();
                return;
            }
            _deferred = false;
            AcceptBatch();
        }

        public void OnReady(LoopSocket socket, uint events) => AcceptBatch();

        void ILoopTimerHandler.OnTimer(LoopTimer timer)
        {
            if (_socket != null && _socket.IsOpen)
            {
                _socket.ReadReady = true;
                AcceptBatch();
            }
        }

        /// <summary>Stops listening: the port is free once this returns.</summary>
        public void Abort()
        {
            _loop.Cancel(_pause);
            if (_socket != null)
            {
                _socket.Close();
            }
            else if (_fd >= 0)
            {
                close(_fd);
            }
            _fd = -1;
        }

        private void AcceptBatch()
        {
            LoopSocket? socket = _socket;
            if (socket == null || !socket.IsOpen || _pause.IsArmed || !socket.ReadReady)
            {
                return;
            }
            byte* peer = stackalloc byte[SockAddr.MaxSize];
            for (int i = 0; i < BatchSize; i++)
            {
                int peerLength = SockAddr.MaxSize;
                int fd = accept4(socket.Fd, peer, &peerLength, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0)
                {
                    int errno = Errno;
                    if (errno == EINTR || errno == ECONNABORTED)
                    {
                        continue;
                    }
                    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                    {
                        Pauses++;
                        _loop.TraceAcceptPaused(errno);
                        _loop.Schedule(_pause, _loop.Now + PauseMilliseconds);
                        return;
                    }
                    // EAGAIN: drained. Anything else is about this one connection; the next edge brings more.
                    socket.ReadReady = false;
                    return;
                }
                Accepted++;
                var address = default(SockAddrBuffer);
                address.CopyFrom(peer, peerLength);
                try
                {
                    _handler.OnAccepted(_loop, fd, in address);
                }
                catch (Exception e)
                {
                    // The connection's own fault: the listener goes on.
                    _loop.ReportFault(e);
                }
            }
            // A full batch: let the other sockets of this loop have their turn, then go on.
            if (!_deferred)
            {
                _deferred = true;
                _loop.Defer(this);
            }
        }
    }
}
