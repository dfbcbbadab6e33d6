using TcpLb.Engine.Net.EventLoop;
using static TcpLb.Engine.Net.EventLoop.LinuxNative;

namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>
    /// One direction of a relayed connection on the loop: reads the source into a pooled native
    /// buffer and sends it on at once (speculatively, without waiting for EPOLLOUT); reads no more
    /// while the destination is full (back-pressure: the source's ready flag stays set, so its edge is
    /// not lost); passes the source's FIN on as a send-shutdown once the buffer has drained. It holds
    /// its buffer only while bytes are in flight. With a <see cref="Shaper"/> (toxics) it asks before
    /// each send and keeps what it may not send yet; with <see cref="Hold"/> (replay) it copies what
    /// it sends. Where its loop batches calls (<see cref="EpollLoop.BatchesCalls"/>), each read and
    /// send is queued there instead of made at once, and its result taken on the next turn; a queued
    /// call is settled before the direction lets go of its buffer or its peer. Loop thread only.
    /// </summary>
    internal sealed unsafe class RelayDirection : IRingCompletion
    {
        private byte* _buffer;
        private int _offset;
        private int _count;
        private byte[]? _prefix;
        private int _prefixSent;
        private int _allowance; // bytes a shaper allowed that are not sent yet
        private bool _cutAfterAllowance;
        private bool _finAllowed;
        private EpollLoop? _sendLoop; // the loop that queued a send of this direction's bytes; null for none
        private bool _sendDone;
        private int _sendResult;
        private int _sendLength;
        private EpollLoop? _receiveLoop; // the loop that queued a receive into this direction's buffer; null for none
        private bool _receiveDone;
        private int _receiveResult;

        public RelayDirection(RelaySide from)
        {
            From = from;
        }

        public RelaySide From { get; }

        public LoopSocket? Source { get; set; }

        /// <summary>Null until the server is connected: the client's bytes wait in the buffer.</summary>
        public LoopSocket? Destination { get; set; }

        /// <summary>Bytes read from the source.</summary>
        public long Bytes { get; private set; }

        /// <summary>Counts bytes sent on, for statistics shared between connections (the backend's); null for none.</summary>
        public TrafficCounter? Counter { get; set; }

        /// <summary>A second shared counter (the balancer's total); null for none.</summary>
        public TrafficCounter? TotalCounter { get; set; }

        /// <summary>Where each byte sent is copied (the client's bytes, for replay); null for none.</summary>
        public RelayReplay? Hold { get; set; }

        /// <summary>Decides what may be sent when (toxics); null: everything at once.</summary>
        public ILoopChunkShaper? Shaper { get; set; }

        /// <summary>When the shaper asked to be asked again (loop milliseconds), 0 for no need.</summary>
        public long WakeAt { get; set; }

        /// <summary>
        /// A FIN that comes before any byte is not passed on, but left for the connection to judge
        /// (<see cref="FinHeld"/>): the server's FIN before its first byte may move the client.
        /// </summary>
        public bool HoldEmptyFin { get; set; }

        /// <summary>The source sent FIN before any byte, and it is held (see <see cref="HoldEmptyFin"/>).</summary>
        public bool FinHeld => HoldEmptyFin && SourceEnded && !Finished && Bytes == 0;

        /// <summary>
        /// The other direction is done, so the pair closes as soon as this one passes its FIN on:
        /// the FIN then goes with the close (nothing is left to read on either socket, so close sends
        /// FIN, not RST) and the shutdown call is saved. Set by the connection before each pump.
        /// </summary>
        public bool ClosesAfterFin { get; set; }

        /// <summary>The source sent FIN.</summary>
        public bool SourceEnded { get; private set; }

        /// <summary>The FIN has been passed on: this direction is done.</summary>
        public bool Finished { get; private set; }

        /// <summary>Bytes read and not yet sent.</summary>
        public int Pending => _count;

        /// <summary>
        /// Bytes that go to the destination before anything read from the source (a PROXY header;
        /// held bytes replayed to the next server). Not counted in <see cref="Bytes"/>.
        /// </summary>
        public void SetPrefix(byte[]? bytes)
        {
            _prefix = bytes != null && bytes.Length > 0 ? bytes : null;
            _prefixSent = 0;
        }

        /// <summary>errno of the failure <see cref="Pump"/> reported.</summary>
        public int Errno { get; private set; }

        /// <summary>
        /// The destination was abandoned (a server that failed before answering; see
        /// <see cref="RelayReplay"/>): what was sent to it goes again through the prefix, what was
        /// not is still here, and a FIN already passed on is passed on again after them.
        /// </summary>
        public void Retarget()
        {
            DropQueuedSend(); // what it sent went to the abandoned server: those bytes are still here, for the next
            Destination = null;
            Finished = false;
            Errno = 0;
        }

        /// <summary>The source was abandoned: this direction starts over for the next one.</summary>
        public void Detach(NativeBufferPool pool)
        {
            DropQueuedCalls();
            Release(pool);
            Source = null;
            SourceEnded = false;
            Finished = false;
            Errno = 0;
            WakeAt = 0;
            _finAllowed = false;
        }

        /// <summary>Moves bytes until the source is drained, the destination is full, or <paramref name="readBudget"/> reads were made.</summary>
        public RelayStep Pump(NativeBufferPool pool, int readBudget, long now)
        {
            if (Finished || Source == null)
            {
                return RelayStep.Blocked;
            }
            if (Shaper != null && _count == 0 && Destination != null)
            {
                // A turn with nothing pending: the shaper may act on the whole connection (a timed reset or close).
                RelayStep? idle = ShapeIdle(now);
                if (idle != null)
                {
                    return idle.Value;
                }
            }
            int reads = 0;
            if (_prefix != null)
            {
                RelayStep? prefix = SendPrefix();
                if (prefix != null)
                {
                    return prefix.Value;
                }
            }
            while (true)
            {
                if (_receiveLoop != null)
                {
                    // A receive queued in the loop's batch: its result, once the batch is made.
                    if (!_receiveDone)
                    {
                        return RelayStep.Blocked;
                    }
                    int received = _receiveResult;
                    _receiveLoop = null;
                    _receiveDone = false;
                    RelayStep? afterRead = TakeRead(received, pool);
                    if (afterRead != null)
                    {
                        return afterRead.Value;
                    }
                }
                if (_count > 0)
                {
                    int length;
                    int sent;
                    if (_sendLoop != null)
                    {
                        // A send queued in the loop's batch: its result, once the batch is made.
                        if (!_sendDone)
                        {
                            return RelayStep.Blocked;
                        }
                        sent = _sendResult;
                        length = _sendLength;
                        _sendLoop = null;
                        _sendDone = false;
                    }
                    else
                    {
                        LoopSocket? destination = Destination;
                        if (destination == null || !destination.WriteReady)
                        {
                            return RelayStep.Blocked;
                        }
                        length = _count;
                        if (Shaper != null)
                        {
                            RelayStep? shaped = ShapePending(now, out length);
                            if (shaped != null)
                            {
                                return shaped.Value;
                            }
                            if (length == 0)
                            {
                                continue; // dropped, or cut right here
                            }
                        }
                        if (destination.Loop.BatchesCalls)
                        {
                            _sendLoop = destination.Loop;
                            _sendLength = length;
                            destination.Loop.QueueSend(destination, this, _buffer + _offset, length);
                            return RelayStep.Blocked;
                        }
                        sent = destination.Send(_buffer + _offset, length);
                    }
                    if (sent < 0)
                    {
                        if (sent == -EAGAIN)
                        {
                            return RelayStep.Blocked;
                        }
                        Errno = -sent;
                        return RelayStep.DestinationFailed;
                    }
                    Hold?.Append(_buffer + _offset, sent);
                    Counter?.Add(sent);
                    TotalCounter?.Add(sent);
                    _offset += sent;
                    _count -= sent;
                    if (Shaper != null)
                    {
                        _allowance -= sent;
                        if (_allowance == 0 && _cutAfterAllowance)
                        {
                            Cut();
                        }
                    }
                    if (sent < length)
                    {
                        return RelayStep.Blocked;
                    }
                    if (_count > 0)
                    {
                        continue; // what the shaper held back: ask again
                    }
                }
                if (SourceEnded)
                {
                    if (Destination == null || FinHeld)
                    {
                        return RelayStep.Blocked;
                    }
                    if (Shaper != null && !_finAllowed)
                    {
                        RelayStep? fin = ShapeFin(now);
                        if (fin != null)
                        {
                            return fin.Value;
                        }
                    }
                    Release(pool);
                    Finished = true;
                    if (ClosesAfterFin)
                    {
                        return RelayStep.Finished;
                    }
                    int shut = Destination.ShutdownSend();
                    if (shut < 0)
                    {
                        Errno = -shut;
                        return RelayStep.DestinationFailed;
                    }
                    return RelayStep.Finished;
                }
                if (!Source.ReadReady)
                {
                    Release(pool);
                    return RelayStep.Blocked;
                }
                if (reads == readBudget)
                {
                    return RelayStep.MoreLater;
                }
                if (_buffer == null)
                {
                    _buffer = pool.Rent();
                }
                reads++;
                if (Source.Loop.BatchesCalls)
                {
                    _receiveLoop = Source.Loop;
                    Source.Loop.QueueReceive(Source, this, _buffer, pool.BufferSize);
                    return RelayStep.Blocked;
                }
                RelayStep? step = TakeRead(Source.Receive(_buffer, pool.BufferSize), pool);
                if (step != null)
                {
                    return step.Value;
                }
            }
        }

        /// <summary>What a read of the source (<paramref name="read"/>: bytes, 0 at FIN, or minus errno) means: null to go on moving bytes, else the step to report.</summary>
        private RelayStep? TakeRead(int read, NativeBufferPool pool)
        {
            if (read > 0)
            {
                _offset = 0;
                _count = read;
                Bytes += read;
                if (read < pool.BufferSize && Source!.PeerShutWrite)
                {
                    SourceEnded = true; // everything before the FIN is read: the FIN without another read
                }
                return null;
            }
            if (read == 0)
            {
                SourceEnded = true;
                return null;
            }
            if (read == -EAGAIN)
            {
                Release(pool);
                return RelayStep.Blocked;
            }
            Errno = -read;
            return RelayStep.SourceFailed;
        }

        /// <summary>Sends the prefix: null once it is all sent, else the step to report.</summary>
        private RelayStep? SendPrefix()
        {
            LoopSocket? destination = Destination;
            if (destination == null || !destination.WriteReady)
            {
                return RelayStep.Blocked;
            }
            byte[] prefix = _prefix!;
            int sent;
            fixed (byte* bytes = prefix)
            {
                sent = destination.Send(bytes + _prefixSent, prefix.Length - _prefixSent);
            }
            if (sent < 0)
            {
                if (sent == -EAGAIN)
                {
                    return RelayStep.Blocked;
                }
                Errno = -sent;
                return RelayStep.DestinationFailed;
            }
            _prefixSent += sent;
            if (_prefixSent < prefix.Length)
            {
                return RelayStep.Blocked;
            }
            _prefix = null;
            return null;
        }

        private RelayStep? ShapeIdle(long now)
        {
            ShapeAction action = Shaper!.Shape(now, 0, out _, out long wakeAt);
            WakeAt = wakeAt;
            return action == ShapeAction.Close ? RelayStep.ShapedClose : action == ShapeAction.Reset ? RelayStep.ShapedReset : (RelayStep?)null;
        }

        /// <summary>How much of the pending bytes to send now (0 after a drop or a cut), or the step to report.</summary>
        private RelayStep? ShapePending(long now, out int length)
        {
            length = 0;
            if (_allowance > 0)
            {
                length = _allowance < _count ? _allowance : _count;
                return null;
            }
            ShapeAction action = Shaper!.Shape(now, _count, out int allowed, out long wakeAt);
            WakeAt = wakeAt;
            allowed = allowed < 0 ? 0 : allowed > _count ? _count : allowed;
            switch (action)
            {
                case ShapeAction.Send:
                    if (allowed == 0)
                    {
                        return RelayStep.Blocked; // a shaper that allows nothing and names no wake time waits for the next edge
                    }
                    _allowance = allowed;
                    length = allowed;
                    return null;
                case ShapeAction.Wait:
                    return RelayStep.Blocked;
                case ShapeAction.Drop:
                    if (allowed == 0)
                    {
                        return RelayStep.Blocked;
                    }
                    _offset += allowed;
                    _count -= allowed;
                    return null;
                case ShapeAction.Cut:
                    if (allowed == 0)
                    {
                        Cut();
                        return null;
                    }
                    _allowance = allowed;
                    _cutAfterAllowance = true;
                    length = allowed;
                    return null;
                case ShapeAction.Close:
                    return RelayStep.ShapedClose;
                default:
                    return RelayStep.ShapedReset;
            }
        }

        /// <summary>Whether the FIN may go now: null when it may, else the step to report.</summary>
        private RelayStep? ShapeFin(long now)
        {
            ShapeAction action = Shaper!.ShapeFin(now, out long wakeAt);
            WakeAt = wakeAt;
            switch (action)
            {
                case ShapeAction.Send:
                case ShapeAction.Cut:
                    _finAllowed = true;
                    return null;
                case ShapeAction.Close:
                    return RelayStep.ShapedClose;
                case ShapeAction.Reset:
                    return RelayStep.ShapedReset;
                default:
                    return RelayStep.Blocked; // Wait (until WakeAt) or Drop (held for good)
            }
        }

        /// <summary>A cut: the rest is dropped, the source is read no further, the FIN goes next.</summary>
        private void Cut()
        {
            _offset += _count;
            _count = 0;
            _allowance = 0;
            _cutAfterAllowance = false;
            SourceEnded = true; // the FIN is still the shaper's to time (a slow close after a limit)
        }

        void IRingCompletion.SendCompleted(int result)
        {
            _sendResult = result;
            _sendDone = true;
        }

        void IRingCompletion.ReceiveCompleted(int result)
        {
            _receiveResult = result;
            _receiveDone = true;
        }

        /// <summary>A queued send is made now, and its result forgotten: the bytes it took are counted nowhere (still here, for the next server).</summary>
        private void DropQueuedSend()
        {
            if (_sendLoop != null && !_sendDone)
            {
                _sendLoop.SettleCalls(); // on its loop's thread: a call queued is never taken across (LeaveLoop settles it)
            }
            _sendLoop = null;
            _sendDone = false;
        }

        /// <summary>A queued send or receive is made now, and its result forgotten (the source is abandoned or the connection is over: what a receive brought goes with the buffer).</summary>
        private void DropQueuedCalls()
        {
            DropQueuedSend();
            if (_receiveLoop != null && !_receiveDone)
            {
                _receiveLoop.SettleCalls();
            }
            _receiveLoop = null;
            _receiveDone = false;
        }

        /// <summary>
        /// The connection leaves its loop (a move): an empty buffer goes back to <paramref name="pool"/>;
        /// one with bytes in flight goes along (counted out here, <see cref="JoinLoop"/> counts it in
        /// on the next loop, whose pool has the same buffer size).
        /// </summary>
        public void LeaveLoop(NativeBufferPool pool)
        {
            if ((_sendLoop != null && !_sendDone) || (_receiveLoop != null && !_receiveDone))
            {
                (_sendLoop ?? _receiveLoop)!.SettleCalls(); // made on the loop it was queued on; its result is taken on the next
            }
            if (_buffer == null)
            {
                return;
            }
            if (_count == 0 && _receiveLoop == null)
            {
                Release(pool);
                return;
            }
            pool.Disown(_buffer); // with bytes to send, or a receive's result the next loop takes
        }

        /// <summary>The connection arrives on another loop: a buffer it brought is counted as rented from <paramref name="pool"/>, and returns there.</summary>
        public void JoinLoop(NativeBufferPool pool)
        {
            if (_buffer != null)
            {
                pool.Adopt(_buffer);
            }
        }

        /// <summary>Gives the buffer back (unsent bytes are dropped: the connection is over).</summary>
        public void Release(NativeBufferPool pool)
        {
            DropQueuedCalls(); // the kernel uses the buffer until a queued call is made
            if (_buffer != null)
            {
                pool.Return(_buffer);
                _buffer = null;
            }
            _offset = 0;
            _count = 0;
            _allowance = 0;
        }
    }

    /// <summary>What one <see cref="RelayDirection.Pump"/> call ended with.</summary>
    internal enum RelayStep
    {
        /// <summary>Waiting for an edge: the source is drained or the destination full.</summary>
        Blocked,

        /// <summary>The read budget is spent with more to read: run again after the loop's other sockets.</summary>
        MoreLater,

        /// <summary>The source's FIN was passed on just now.</summary>
        Finished,

        /// <summary>Reading the source failed (a reset).</summary>
        SourceFailed,

        /// <summary>Sending to the destination failed (a reset).</summary>
        DestinationFailed,

        /// <summary>The shaper closes the whole connection (FIN both ways).</summary>
        ShapedClose,

        /// <summary>The shaper resets the whole connection.</summary>
        ShapedReset,
    }
}
