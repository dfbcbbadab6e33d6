using System;
using System.Linq;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// Whether a backend is the balancer's own listener: connecting to it would come back in as a
    /// new client, which connects again, until the process runs out of file descriptors.
    /// </summary>
    internal static class SelfLoopGuard
    {
        /// <summary>Throws <see cref="SelfLoopBackendException"/> when an address of <paramref name="backend"/> reaches <paramref name="listener"/>.</summary>
        public static void EnsureNotSelf(Backend backend, IPEndPoint listener)
        {
            if (listener.Port == 0)
            {
                return; // not bound yet: checked again once it is
            }
            foreach (IPEndPoint target in backend.EndPoints)
            {
                if (Reaches(target, listener))
                {
                    throw new SelfLoopBackendException(backend.Address, listener);
                }
            }
        }

        /// <summary>
        /// True when a connect to <paramref name="target"/> can land on <paramref name="listener"/>:
        /// the same port and the same address, or both this host's (a loopback address, a
        /// wildcard — 0.0.0.0 and :: connect to the local host — or, for a wildcard listener,
        /// an address of a local interface).
        /// </summary>
        public static bool Reaches(IPEndPoint target, IPEndPoint listener)
        {
            if (target.Port != listener.Port)
            {
                return false;
            }
            IPAddress to = Normalized(target.Address);
            IPAddress at = Normalized(listener.Address);
            if (to.Equals(at))
            {
                return true;
            }
            if (IsThisHost(to) && IsThisHost(at))
            {
                return true;
            }
            return IsWildcard(at) && IsLocalInterfaceAddress(to);
        }

        private static IPAddress Normalized(IPAddress address)
            => address.AddressFamily == AddressFamily.InterNetworkV6 && address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

        private static bool IsWildcard(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

        private static bool IsThisHost(IPAddress address) => IsWildcard(address) || IPAddress.IsLoopback(address);

        private static bool IsLocalInterfaceAddress(IPAddress address)
        {
            try
            {
                return NetworkInterface.GetAllNetworkInterfaces()
                    .SelectMany(i => i.GetIPProperties().UnicastAddresses)
                    .Any(u => Normalized(u.Address).Equals(address));
            }
            catch (NetworkInformationException)
            {
                return false;
            }
        }
    }
}
