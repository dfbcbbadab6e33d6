using System;

namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>
    /// The copy of what a client sent its server, kept until the server's first byte so the client
    /// can move to another server (<see cref="IRelayConnection.HoldClientBytes"/>): the up
    /// direction appends each byte as it sends it (bytes not sent yet are still in its buffer), in a
    /// pooled <see cref="ReplayBuffer"/> that grows with them. Past the capacity the copy is dropped
    /// for good. Loop thread only.
    /// </summary>
    internal sealed unsafe class RelayReplay
    {
        private ReplayBuffer? _held;
        private int _capacity;

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
            _held = new ReplayBuffer();
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
