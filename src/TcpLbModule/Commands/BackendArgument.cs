using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Net;
using TcpLb.Engine.Balancing;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// Turns one -Backend value into a backend address: a port, "host:port", "[v6]:port", or a
    /// TcpBackend job (which must be running to be added to a balancer, but may have stopped
    /// when it only names a backend already in one).
    /// </summary>
    internal static class BackendArgument
    {
        /// <summary>Converts every value, or stops the cmdlet with an InvalidBackend error naming the bad one.</summary>
        public static BackendAddress[] ConvertAll(PSCmdlet cmdlet, object?[] values, bool jobMustBeRunning)
        {
            var addresses = new BackendAddress[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                if (!TryConvert(values[i], out BackendAddress? address, out string? reason, jobMustBeRunning))
                {
                    cmdlet.ThrowTerminatingError(new ErrorRecord(new ArgumentException(reason), "InvalidBackend", ErrorCategory.InvalidArgument, values[i]));
                }
                addresses[i] = address!;
            }
            return addresses;
        }

        /// <summary>
        /// Stops the cmdlet with a DuplicateBackend error when one backend is given twice (as
        /// 8088 and 127.0.0.1:8088, say): a backend is in a pool once, so a second copy is a
        /// mistake, not a weight. Checked before anything is changed.
        /// </summary>
        public static void EnsureDistinct(PSCmdlet cmdlet, IReadOnlyList<BackendAddress> addresses)
        {
            var seen = new HashSet<BackendAddress>();
            foreach (BackendAddress address in addresses)
            {
                if (!seen.Add(address))
                {
                    cmdlet.ThrowTerminatingError(new ErrorRecord(
                        new ArgumentException($"-Backend: {address} is given more than once. Give each backend once."),
                        "DuplicateBackend",
                        ErrorCategory.InvalidArgument,
                        address.ToString()));
                }
            }
        }

        /// <summary>The error for a backend that a running balancer does not have.</summary>
        public static ErrorRecord NotInPool(TcpBalancerJob job, BackendAddress address)
            => new ErrorRecord(
                new ArgumentException($"Backend {address} is not in the pool of balancer '{job.Name}'. Its backends are: {string.Join(", ", job.Backends)}."),
                "BackendNotFound",
                ErrorCategory.ObjectNotFound,
                address.ToString());

        public static bool TryConvert(object? value, out BackendAddress? address, out string? reason, bool jobMustBeRunning = true)
        {
            object? inner = value is PSObject wrapped ? wrapped.BaseObject : value;
            switch (inner)
            {
                case TcpBackendJob job:
                    return FromJob(job, jobMustBeRunning, out address, out reason);
                case Detached.DetachedTcpServer server:
                    return server.TryGetBackendAddress(out address, out reason);
                case int _:
                case long _:
                case short _:
                case byte _:
                    return BackendAddress.TryParse(Convert.ToString(inner, CultureInfo.InvariantCulture), out address, out reason);
                case string text:
                    return BackendAddress.TryParse(text, out address, out reason);
                case null:
                    address = null;
                    reason = $"A backend is null. Accepted: {BackendAddress.AcceptedForms}, or a job from Start-TcpBackend.";
                    return false;
                default:
                    address = null;
                    reason = $"'{inner}' ({inner.GetType().Name}) is not a valid backend. Accepted: {BackendAddress.AcceptedForms}, or a job from Start-TcpBackend.";
                    return false;
            }
        }

        private static bool FromJob(TcpBackendJob job, bool mustBeRunning, out BackendAddress? address, out string? reason)
        {
            if (mustBeRunning && job.JobStateInfo.State != JobState.Running)
            {
                address = null;
                reason = $"Backend job '{job.Name}' (Id {job.Id}) is {job.JobStateInfo.State}, not Running. Start a new one with Start-TcpBackend.";
                return false;
            }
            IPAddress listen = job.Backend.LocalEndPoint.Address;
            // A backend listening on every address is reached over loopback.
            if (listen.Equals(IPAddress.Any))
            {
                listen = IPAddress.Loopback;
            }
            else if (listen.Equals(IPAddress.IPv6Any))
            {
                listen = IPAddress.IPv6Loopback;
            }
            address = new BackendAddress(listen.ToString(), job.Port);
            reason = null;
            return true;
        }
    }
}
