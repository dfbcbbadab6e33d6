using System;
using TcpLb.Engine.Net.EventLoop;

namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>
    /// Replay on a relayed connection (see IRelayConnection.Replay.cs): the copy of what the client
    /// sent its server, the judgement of a server that ends before its first byte, and the move.
    /// </summary>
    internal sealed partial class LoopRelayConnection
    {
        private bool _judging;
        private bool _movable;
        private int _replayCount; // held bytes replayed to the next server, for its counter

        public int HeldByteCount => _replay?.Count ?? 0;

        public UnansweredEnd ServerEnd { get; private set; }

        public void HoldClientBytes(int capacity)
        {
            if (IsClosed || _server != null || _up.Bytes > 0)
            {
                throw new InvalidOperationException("Client bytes are held from the start, before the first connect.");
            }
            if (_replay != null)
            {
                throw new InvalidOperationException("Client bytes are held once.");
            }
            RelayReplay replay = RelayReplay.Rent();
            replay.Begin(capacity);
            _replay = replay;
            _up.Hold = replay;
        }

        public byte[] ReplayBytes(byte[]? header) => _replay != null ? _replay.WithHeader(header) : header != null ? (byte[])header.Clone() : new byte[0];

        public void AbandonServer()
        {
            if (!_judging || !_movable || _server == null)
            {
                throw new InvalidOperationException("A server is abandoned only inside OnServerFailedBeforeResponse, when the connection is movable.");
            }
            LoopSocket server = _server;
            _server = null;
            _connecting = false;
            _connectDeadline = 0;
            _movable = false;
            _up.Retarget();
            _up.SetPrefix(null);
            _down.Detach(_loop.Buffers);
            _answered = false;
            _awaitingSince = 0;
            _finSince = 0;
            _replayCount = _replay!.Count;
            ConnectWitness?.Closed(server.Fd);
            server.Reset();
            ArmTimer();
        }

        /// <summary>
        /// The server ended before its first byte (<paramref name="kind"/>): tells the observer, and
        /// says whether the connection is settled otherwise (moved to another server, or ended), so
        /// the caller must not pass the end on.
        /// </summary>
        private bool ServerFailedBeforeResponse(UnansweredEnd kind, LoopSocket? failed)
        {
            if (_answered || _abortRequested || _observer == null || IsClosed || failed == null || !ReferenceEquals(_server, failed))
            {
                return false;
            }
            UnansweredEnd end = Judge(kind);
            if (end == UnansweredEnd.None)
            {
                return false;
            }
            ServerEnd = end;
            _judging = true;
            _movable = _replay != null && _replay.IsHolding;
            try
            {
                _observer.OnServerFailedBeforeResponse(this, _movable);
            }
            finally
            {
                _judging = false;
                _movable = false;
                ServerEnd = UnansweredEnd.None;
            }
            return IsClosed || !ReferenceEquals(_server, failed);
        }

        /// <summary>As DuplexPump judges it: a reset counts within the replay window, a FIN unless it answers a bare client FIN.</summary>
        private UnansweredEnd Judge(UnansweredEnd kind)
        {
            switch (kind)
            {
                case UnansweredEnd.Reset:
                    return _up.Bytes <= (_replay?.Capacity ?? ReplayBuffer.Capacity) ? UnansweredEnd.Reset : UnansweredEnd.None;
                case UnansweredEnd.Close:
                    return _up.Bytes > 0 || !_up.SourceEnded ? UnansweredEnd.Close : UnansweredEnd.None;
                default:
                    return kind;
            }
        }

        /// <summary>The server's first byte: the copy goes, the response timeout stops.</summary>
        private void OnAnswered()
        {
            _answered = true;
            _awaitingSince = 0;
            _replay?.Release();
            _observer?.OnFirstServerByte(this);
        }

        /// <summary>The connection is over: its replay (copy let go) goes back for another connection, and nothing here reads it again.</summary>
        private void RecycleReplay()
        {
            RelayReplay? replay = _replay;
            if (replay != null)
            {
                _replay = null;
                _up.Hold = null;
                replay.Recycle();
            }
        }

        /// <summary>The next server has the replay: its counter counts those bytes too.</summary>
        private void CountReplay()
        {
            if (_replayCount > 0)
            {
                _up.Counter?.Add(_replayCount);
                _replayCount = 0;
            }
        }
    }
}
