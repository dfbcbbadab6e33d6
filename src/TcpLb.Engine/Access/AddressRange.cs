using System;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using TcpLb.Engine.Net;

namespace TcpLb.Engine.Access
{
    /// <summary>
    /// An address or a CIDR range of addresses, IPv4 or IPv6: 192.0.2.10, 10.0.0.0/8, ::1,
    /// 2001:db8::/32. Host bits after the prefix are ignored (10.1.2.3/8 is 10.0.0.0/8), as nginx does.
    /// </summary>
    public sealed class AddressRange : IEquatable<AddressRange>
    {
        public const string AcceptedForms = "an IPv4 or IPv6 address (192.0.2.10, ::1) or a CIDR range (10.0.0.0/8, 2001:db8::/32)";

        private readonly AddressBits _network;
        private readonly int _bits; // prefix length over the 128-bit form (IPv4 prefix + 96)

        private AddressRange(AddressBits network, int bits, int prefixLength, bool isIPv4)
        {
            _network = network;
            _bits = bits;
            PrefixLength = prefixLength;
            IsIPv4 = isIPv4;
        }

        /// <summary>The prefix length as written for its family (0 to 32 for IPv4, 0 to 128 for IPv6).</summary>
        public int PrefixLength { get; }

        public bool IsIPv4 { get; }

        public IPAddress Network => _network.ToIPAddress();

        internal bool Contains(AddressBits address) => address.Masked(_bits) == _network;

        public bool Contains(IPAddress address) => Contains(AddressBits.From(address));

        /// <summary>Parses one range; throws a <see cref="FormatException"/> that names the text and says what is accepted.</summary>
        public static AddressRange Parse(string text)
        {
            if (!TryParse(text, out AddressRange? range, out string? problem))
            {
                throw new FormatException($"'{text}' is not an address or address range: {problem}. Accepted: {AcceptedForms}.");
            }
            return range!;
        }

        public static bool TryParse(string? text, out AddressRange? range) => TryParse(text, out range, out _);

        public static bool TryParse(string? text, out AddressRange? range, out string? problem)
        {
            range = null;
            string trimmed = (text ?? "").Trim();
            if (trimmed.Length == 0)
            {
                problem = "it is empty";
                return false;
            }
            int slash = trimmed.IndexOf('/');
            string addressText = slash < 0 ? trimmed : trimmed.Substring(0, slash);
            if (addressText.Length > 2 && addressText[0] == '[' && addressText[addressText.Length - 1] == ']')
            {
                addressText = addressText.Substring(1, addressText.Length - 2);
            }
            bool v6 = addressText.IndexOf(':') >= 0;
            if (v6 ? !IsIPv6Text(addressText) : !IsDottedQuad(addressText))
            {
                problem = v6 ? $"'{addressText}' is not an IPv6 address" : $"'{addressText}' is not an IPv4 address of four numbers 0 to 255";
                return false;
            }
            if (!IPAddress.TryParse(addressText, out IPAddress? address) || (address.AddressFamily == AddressFamily.InterNetworkV6) != v6)
            {
                problem = $"'{addressText}' is not an IP address";
                return false;
            }
            int max = v6 ? 128 : 32;
            int prefix = max;
            if (slash >= 0)
            {
                string prefixText = trimmed.Substring(slash + 1);
                if (prefixText.Length == 0 || prefixText.Length > 3 || !int.TryParse(prefixText, NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > max)
                {
                    problem = $"the prefix length '{prefixText}' is not a number from 0 to {max}";
                    return false;
                }
            }
            int bits = v6 ? prefix : prefix + 96;
            range = new AddressRange(AddressBits.From(address).Masked(bits), bits, prefix, !v6);
            problem = null;
            return true;
        }

        public bool Equals(AddressRange? other) => other != null && _bits == other._bits && _network == other._network;

        public override bool Equals(object? obj) => Equals(obj as AddressRange);

        public override int GetHashCode() => _network.GetHashCode() ^ _bits;

        /// <summary>10.0.0.0/8, 192.0.2.10 (a single address without its /32), 2001:db8::/32, ::1.</summary>
        public override string ToString()
        {
            string network = Network.ToString();
            return PrefixLength == (IsIPv4 ? 32 : 128) ? network : network + "/" + PrefixLength.ToString(CultureInfo.InvariantCulture);
        }

        /// <summary>Four decimal numbers 0-255; IPAddress.TryParse alone also takes "10", "1.2.3" and hex.</summary>
        private static bool IsDottedQuad(string text)
        {
            string[] parts = text.Split('.');
            if (parts.Length != 4)
            {
                return false;
            }
            foreach (string part in parts)
            {
                if (part.Length == 0 || part.Length > 3 || !int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value > 255)
                {
                    return false;
                }
            }
            return true;
        }

        /// <summary>Hex digits, colons and (for a trailing IPv4 part) dots only: no scope id, no brackets, no spaces.</summary>
        private static bool IsIPv6Text(string text)
        {
            foreach (char c in text)
            {
                bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
                if (!ok)
                {
                    return false;
                }
            }
            int dot = text.IndexOf('.');
            return dot < 0 || IsDottedQuad(text.Substring(text.LastIndexOf(':') + 1));
        }
    }
}
