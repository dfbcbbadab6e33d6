using System;

namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>
    /// The copy of what a client sent its server, kept until the server's first byte so the client
    /// can move to another server (<see cref="IRelayConnection.HoldClientBytes"/>): the up
    /// direction appends each byte as it sends it (bytes not sent yet are still in its buffer), in a
    /// pooled <see cref="ReplayBuffer"/> that grows with them. Past the capacity the copy is dropped
    /// for good. Loop thread only. A connection takes one with <see cref="Rent"/> and gives it back
    /// with <see cref="Recycle"/> as it ends: each loop thread keeps a few for its next connections,
    /// so a new connection allocates none (with its buffer: 64 of the 1 KB a connection may allocate).
    /// </summary>
    internal sealed unsafe class RelayReplay
    {
        private const int SparesPerThread = 64;

        [ThreadStatic]
        private static RelayReplay?[]? t_spares;

        [ThreadStatic]
        private static int t_spareCount;

        private readonly ReplayBuffer _buffer = new ReplayBuffer();
        private ReplayBuffer? _held; // _buffer while holding
        private int _capacity;

        private RelayReplay()
        {
        }

        /// <summary>A replay not holding anything yet: one this thread kept, or a new one.</summary>
        public static RelayReplay Rent()
        {
            RelayReplay?[]? spares = t_spares;
            if (spares != null && t_spareCount > 0)
            {
                int last = --t_spareCount;
                RelayReplay replay = spares[last]!;
                spares[last] = null;
                return replay;
            }
            return new RelayReplay();
        }

        /// <summary>Lets the copy go and keeps this replay for another connection on this thread; the caller forgets it.</summary>
        public void Recycle()
        {
            Release();
            _buffer.Reset();
            _capacity = 0;
            GaveUp = false;
            RelayReplay?[] spares = t_spares ??= new RelayReplay?[SparesPerThread];
            if (t_spareCount < spares.Length)
            {
                spares[t_spareCount++] = this;
            }
        }

        /// <summary>Holding, and every byte sent so far is held: the connection can move.</summary>
        public bool IsHolding => _held != null;

        /// <summary>The copy was given up (overflowed, or the server answered).</summary>
        public bool GaveUp { get; private set; }

        /// <summary>The most a copy may hold; the replay window, also when not holding.</summary>
        public int Capacity => _capacity > 0 ? _capacity : ReplayBuffer.Capacity;

        public int Count => _held?.Count ?? 0;

        public void Begin(int capacity)
        {
            if (capacity < 1 || capacity > ReplayBuffer.Capacity)
            {
                throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"A replay holds 1 to {ReplayBuffer.Capacity} bytes.");
            }
            if (_held != null || GaveUp)
            {
                throw new InvalidOperationException("Client bytes are held once, before the first connect.");
            }
            _capacity = capacity;
            _held = _buffer;
        }

        /// <summary>Copies bytes just sent to the server; past the capacity, drops the copy for good.</summary>
        public void Append(byte* bytes, int count)
        {
            ReplayBuffer? held = _held;
            if (held == null)
            {
                return;
            }
            if (count > _capacity - held.Count || !held.TryAppend(bytes, count))
            {
                Release();
            }
        }

        /// <summary>The header, then every held byte, in a new array.</summary>
        public byte[] WithHeader(byte[]? header)
        {
            int headerLength = header?.Length ?? 0;
            var bytes = new byte[headerLength + Count];
            if (headerLength > 0)
            {
                Buffer.BlockCopy(header!, 0, bytes, 0, headerLength);
            }
            _held?.CopyTo(bytes, headerLength);
            return bytes;
        }

        /// <summary>Lets the copy go (the server answered, or the connection is over); it is not taken up again.</summary>
        public void Release()
        {
            ReplayBuffer? held = _held;
            if (held != null)
            {
                _held = null;
                GaveUp = true;
                held.Release();
            }
        }
    }
}
