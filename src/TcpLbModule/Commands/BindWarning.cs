using System.Management.Automation;
using System.Net;
using TcpLb.Engine.Net;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// The warning a listener on anything but loopback gets (0.0.0.0, [::], an address of a
    /// network interface): other hosts can connect to it, and the cmdlet says how to restrict that.
    /// </summary>
    internal static class BindWarning
    {
        /// <summary>True for addresses only this machine can reach: 127.0.0.0/8, ::1 (and their IPv4-mapped forms).</summary>
        public static bool IsLoopbackOnly(IPAddress address)
            => IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

        /// <summary>Writes the warning when <paramref name="bound"/> is not loopback and no -AllowFrom restricts it.</summary>
        public static void WriteIfExposed(PSCmdlet cmdlet, IPEndPoint bound, bool restricted)
        {
            if (IsLoopbackOnly(bound.Address) || restricted)
            {
                return;
            }
            string reach = bound.Address.Equals(IPAddress.Any) || bound.Address.Equals(IPAddress.IPv6Any)
                ? "every network interface of this machine"
                : "a network interface of this machine";
            cmdlet.WriteWarning(
                $"{cmdlet.MyInvocation.MyCommand.Name} listens on {Endpoints.Format(bound)}, {reach}: other hosts that can reach it can connect. " +
                "Restrict who may connect with -AllowFrom (addresses or CIDR ranges, such as -AllowFrom 10.0.0.0/8, 192.168.1.20), " +
                "or listen on loopback only (-ListenAddress 127.0.0.1, the default).");
        }
    }
}
