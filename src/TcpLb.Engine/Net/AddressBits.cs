using System;
using System.Net;
using System.Net.Sockets;

namespace TcpLb.Engine.Net
{
    /// <summary>
    /// An IP address as 128 bits, IPv4 as its IPv4-mapped IPv6 form (::ffff:a.b.c.d), so one
    /// comparison serves both families and a dual-stack listener's mapped clients match IPv4 rules.
    /// A value type: access rules and the per-source table key on it without allocating.
    /// </summary>
    internal readonly struct AddressBits : IEquatable<AddressBits>
    {
        private const ulong MappedPrefix = 0x0000_FFFF_0000_0000UL;

        public AddressBits(ulong high, ulong low)
        {
            High = high;
            Low = low;
        }

        public ulong High { get; }

        public ulong Low { get; }

        /// <summary>True for an IPv4 address (held as ::ffff:a.b.c.d).</summary>
        public bool IsIPv4 => High == 0 && (Low & 0xFFFF_FFFF_0000_0000UL) == MappedPrefix;

        public static AddressBits From(IPAddress address)
        {
            if (address == null)
            {
                throw new ArgumentNullException(nameof(address));
            }
            if (address.AddressFamily == AddressFamily.InterNetwork)
            {
                // Read without GetAddressBytes, which allocates (netstandard2.0 has no TryWriteBytes):
                // Address holds the four bytes in network order, the first one lowest.
#pragma warning disable CS0618
                uint v = (uint)address.Address;
#pragma warning restore CS0618
                uint bigEndian = (v << 24) | ((v & 0xFF00) << 8) | ((v >> 8) & 0xFF00) | (v >> 24);
                return new AddressBits(0, MappedPrefix | bigEndian);
            }
            byte[] bytes = address.GetAddressBytes();
            return new AddressBits(ReadUInt64(bytes, 0), ReadUInt64(bytes, 8));
        }

        /// <summary>The address with every bit after the first <paramref name="prefixLength"/> (0 to 128) cleared.</summary>
        public AddressBits Masked(int prefixLength)
        {
            if (prefixLength >= 128)
            {
                return this;
            }
            if (prefixLength <= 0)
            {
                return default;
            }
            if (prefixLength <= 64)
            {
                return new AddressBits(High & (ulong.MaxValue << (64 - prefixLength)), 0);
            }
            return new AddressBits(High, Low & (ulong.MaxValue << (128 - prefixLength)));
        }

        public IPAddress ToIPAddress()
        {
            if (IsIPv4)
            {
                uint v4 = (uint)Low;
                return new IPAddress(new[] { (byte)(v4 >> 24), (byte)(v4 >> 16), (byte)(v4 >> 8), (byte)v4 });
            }
            var bytes = new byte[16];
            for (int i = 0; i < 8; i++)
            {
                bytes[i] = (byte)(High >> (56 - 8 * i));
                bytes[8 + i] = (byte)(Low >> (56 - 8 * i));
            }
            return new IPAddress(bytes);
        }

        public bool Equals(AddressBits other) => High == other.High && Low == other.Low;

        public override bool Equals(object? obj) => obj is AddressBits other && Equals(other);

        public override int GetHashCode()
        {
            // Mixed so that neighbouring addresses spread over the table.
            ulong h = (High * 0x9E37_79B9_7F4A_7C15UL) ^ Low;
            h ^= h >> 33;
            h *= 0xFF51_AFD7_ED55_8CCDUL;
            h ^= h >> 33;
            return (int)h;
        }

        public override string ToString() => ToIPAddress().ToString();

        public static bool operator ==(AddressBits left, AddressBits right) => left.Equals(right);

        public static bool operator !=(AddressBits left, AddressBits right) => !left.Equals(right);

        private static uint ReadUInt32(byte[] b, int at) => ((uint)b[at] << 24) | ((uint)b[at + 1] << 16) | ((uint)b[at + 2] << 8) | b[at + 3];

        private static ulong ReadUInt64(byte[] b, int at) => ((ulong)ReadUInt32(b, at) << 32) | ReadUInt32(b, at + 4);
    }
}
