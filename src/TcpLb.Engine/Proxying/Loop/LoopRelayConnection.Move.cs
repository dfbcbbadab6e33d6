using System;
using System.Threading;
using TcpLb.Engine.Net.EventLoop;

namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>
    /// Moving a live connection to another loop of its group while bytes flow (the mechanism a
    /// packing policy needs). On the owning loop <see cref="TryMove"/> detaches both descriptors
    /// (still open), cancels the timer, leaves that loop's list, and posts a <see cref="RelayMove"/>
    /// to the target; there the descriptors are registered again (new slots and generations), taken
    /// as ready both ways once (an edge that came during the move is not lost: at worst a read says
    /// EAGAIN), the deadlines re-armed from the same loop-clock times (every loop reads the same
    /// monotonic clock), the connection joins that loop's list and relays on. A buffer with bytes in
    /// flight goes along: the pools of a group hand plain native blocks of one size, so only their
    /// count moves. Nothing here runs on a turn of a connection that never moves.
    /// </summary>
    internal sealed partial class LoopRelayConnection
    {
        private RelayMove? _move; // set while the connection is between loops

        /// <summary>Relaying, with nothing that ties it to its loop for now: no connect, preamble, outage hold or shaper.</summary>
        public bool CanMove => !IsClosed && IsConnected && _move == null && !_abortRequested && !_preamble.IsActive && !IsHeldForOutage
            && _up.Shaper == null && _down.Shaper == null;

        /// <summary>Bytes read and not yet sent, both ways: what a move carries along in its buffers (loop thread; for tests).</summary>
        internal int BytesInFlight => _up.Pending + _down.Pending;

        /// <summary>
        /// Moves the connection to <paramref name="target"/> (owning loop's thread only): false, with
        /// nothing changed, when it cannot move now (see <see cref="CanMove"/>), the target is its own
        /// loop, or the target's buffers are of another size. <paramref name="arrived"/> is called on the
        /// target's thread once it has landed there: true when it relays on, false when it ended on landing
        /// (the target stopped, an abort was asked on the way, or its first turn there ended it).
        /// </summary>
        public bool TryMove(EpollLoop target, Action<bool>? arrived = null)
        {
            if (target == null)
            {
                throw new ArgumentNullException(nameof(target));
            }
            if (ReferenceEquals(target, _loop) || !CanMove || !_loop.Buffers.CanHandOver(target.Buffers))
            {
                return false;
            }
            RelayConnectionSet.ConnectionList? list = _set?.ListOf(target); // throws for a loop not of the set
            LoopSocket client = Client;
            LoopSocket server = _server!;
            var move = new RelayMove(this, client.Fd, server.Fd, client, server, arrived);
            Volatile.Write(ref _move, move); // before the client reads as closed: ClientHasReset looks here meanwhile
            try
            {
                _loop.Detach(client);
            }
            catch
            {
                _move = null;
                throw; // nothing moved: the loop aborts the connection
            }
            try
            {
                _loop.Detach(server);
            }
            catch
            {
                NativeSocket.Reset(move.ClientFd);
                throw; // the loop aborts the connection: the server is still its own
            }
            _loop.Cancel(_timer);
            _list?.Remove(this);
            NativeBufferPool pool = _loop.Buffers;
            _up.LeaveLoop(pool);
            _down.LeaveLoop(pool);
            _deferred = false; // a turn deferred on the old loop is not made there; the arrival makes one
            _list = list;
            Volatile.Write(ref _loop, target); // after _move: a post that finds the new loop finds the move too
            target.Post(move);
            return true;
        }

        /// <summary>A posted item of this connection's that found it moved or moving: an abort follows it; a turn is made on arrival anyway.</summary>
        private void FollowMove(EpollLoop loop)
        {
            if (_abortRequested && !ReferenceEquals(loop, _loop))
            {
                _loop.Post(this);
            }
            // Still in flight on its new loop: the arrival sees the abort request.
        }

        /// <summary>On the target loop: takes the descriptors, re-arms, relays on (or aborts, when that was asked meanwhile).</summary>
        private void Arrive(RelayMove move, bool run)
        {
            NativeBufferPool pool = _loop.Buffers;
            _up.JoinLoop(pool);
            _down.JoinLoop(pool);
            LoopSocket client;
            LoopSocket server;
            try
            {
                client = Adopt(move.ClientFd, move.OldClient);
            }
            catch
            {
                NativeSocket.Reset(move.ClientFd);
                LoseServer(move.ServerFd);
                End(reset: true);
                throw;
            }
            Client = client;
            _move = null; // after the client is open again (ClientHasReset)
            _up.Source = client;
            _down.Destination = client;
            try
            {
                server = Adopt(move.ServerFd, move.OldServer);
            }
            catch
            {
                LoseServer(move.ServerFd);
                End(reset: true);
                throw;
            }
            _server = server;
            _up.Destination = server;
            _down.Source = server;
            _list?.Add(this);
            if (_abortRequested || !run)
            {
                Abort();
                return;
            }
            ArmTimer();
            Run();
        }

        /// <summary>Registers a moved descriptor here with what the old socket knew of its peer; ready both ways once.</summary>
        private LoopSocket Adopt(int fd, LoopSocket old)
        {
            LoopSocket socket = _loop.Register(fd, this);
            socket.ReadReady = true;
            socket.WriteReady = true;
            socket.ReadHangup = old.ReadHangup;
            socket.PeerShutWrite = old.PeerShutWrite;
            return socket;
        }

        private void LoseServer(int fd)
        {
            ConnectWitness?.Closed(fd);
            NativeSocket.Reset(fd);
        }

        /// <summary>
        /// A connection on its way to another loop: run there (the arrival), or, when that loop stops
        /// before running it, disposed: the connection is then reset like every other of that loop.
        /// </summary>
        private sealed class RelayMove : ILoopWorkItem, IDisposable
        {
            private readonly LoopRelayConnection _connection;
            private readonly Action<bool>? _arrived;

            public RelayMove(LoopRelayConnection connection, int clientFd, int serverFd, LoopSocket oldClient, LoopSocket oldServer, Action<bool>? arrived)
            {
                _connection = connection;
                ClientFd = clientFd;
                ServerFd = serverFd;
                OldClient = oldClient;
                OldServer = oldServer;
                _arrived = arrived;
            }

            public int ClientFd { get; }

            public int ServerFd { get; }

            public LoopSocket OldClient { get; }

            public LoopSocket OldServer { get; }

            public void Execute(EpollLoop loop) => Land(run: true);

            public void Dispose() => Land(run: false);

            private void Land(bool run)
            {
                try
                {
                    _connection.Arrive(this, run);
                }
                finally
                {
                    _arrived?.Invoke(run && !_connection.IsClosed);
                }
            }
        }
    }
}
