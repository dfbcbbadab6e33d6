using TcpLb.Engine.Net.EventLoop;
using static TcpLb.Engine.Net.EventLoop.LinuxNative;

namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>
    /// One direction of a relayed connection on the loop: reads the source into a pooled native
    /// buffer and sends it on at once (speculatively, without waiting for EPOLLOUT); reads no more
    /// while the destination is full (back-pressure: the source's ready flag stays set, so its edge is
    /// not lost); passes the source's FIN on as a send-shutdown once the buffer has drained. It holds
    /// its buffer only while bytes are in flight. Loop thread only.
    /// </summary>
    internal sealed unsafe class RelayDirection
    {
        private byte* _buffer;
        private int _offset;
        private int _count;
        private byte[]? _prefix;
        private int _prefixSent;

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

        /// <summary>Counts bytes read, for statistics shared between connections; null for none.</summary>
        public TrafficCounter? Counter { get; set; }

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

        /// <summary>Moves bytes until the source is drained, the destination is full, or <paramref name="readBudget"/> reads were made.</summary>
        public RelayStep Pump(NativeBufferPool pool, int readBudget)
        {
            if (Finished || Source == null)
            {
                return RelayStep.Blocked;
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
                if (_count > 0)
                {
                    LoopSocket? destination = Destination;
                    if (destination == null || !destination.WriteReady)
                    {
                        return RelayStep.Blocked;
                    }
                    int sent = destination.Send(_buffer + _offset, _count);
                    if (sent < 0)
                    {
                        if (sent == -EAGAIN)
                        {
                            return RelayStep.Blocked;
                        }
                        Errno = -sent;
                        return RelayStep.DestinationFailed;
                    }
                    _offset += sent;
                    _count -= sent;
                    if (_count > 0)
                    {
                        return RelayStep.Blocked;
                    }
                }
                if (SourceEnded)
                {
                    if (Destination == null)
                    {
                        return RelayStep.Blocked;
                    }
                    Release(pool);
                    Finished = true;
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
                int read = Source.Receive(_buffer, pool.BufferSize);
                reads++;
                if (read > 0)
                {
                    _offset = 0;
                    _count = read;
                    Bytes += read;
                    Counter?.Add(read);
                }
                else if (read == 0)
                {
                    SourceEnded = true;
                }
                else if (read == -EAGAIN)
                {
                    Release(pool);
                    return RelayStep.Blocked;
                }
                else
                {
                    Errno = -read;
                    return RelayStep.SourceFailed;
                }
            }
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

        /// <summary>Gives the buffer back (unsent bytes are dropped: the connection is over).</summary>
        public void Release(NativeBufferPool pool)
        {
            if (_buffer != null)
            {
                pool.Return(_buffer);
                _buffer = null;
            }
            _offset = 0;
            _count = 0;
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
    }
}
