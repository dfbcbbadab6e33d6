using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
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
        /// Converts every value to a pool member, or stops the cmdlet with an InvalidBackend error
        /// naming the bad one. Beside what <see cref="ConvertAll"/> takes: the text form with settings
        /// ("8081;weight=3", "8082;backup") and hashtables (@{ Address = 8081; Weight = 3; Backup = $true }).
        /// </summary>
        public static BackendDefinition[] ConvertAllDefinitions(PSCmdlet cmdlet, object?[] values, bool jobMustBeRunning)
        {
            var definitions = new BackendDefinition[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                if (!TryConvertDefinition(values[i], out BackendDefinition? definition, out string? reason, jobMustBeRunning))
                {
                    cmdlet.ThrowTerminatingError(new ErrorRecord(new ArgumentException(reason), "InvalidBackend", ErrorCategory.InvalidArgument, values[i]));
                }
                definitions[i] = definition!;
            }
            return definitions;
        }

        /// <summary>The keys a backend hashtable takes.</summary>
        public const string HashtableKeys = "Address (required: a port, host:port, [v6]:port or a job from Start-TcpBackend), Weight (1 to 256), Backup ($true or $false), MaxConnections (0 for no limit)";

        public static bool TryConvertDefinition(object? value, out BackendDefinition? definition, out string? reason, bool jobMustBeRunning = true)
        {
            object? inner = value is PSObject wrapped ? wrapped.BaseObject : value;
            definition = null;
            switch (inner)
            {
                case string text when text.IndexOf(';') >= 0:
                    return BackendDefinition.TryParse(text, out definition, out reason);
                case IDictionary table:
                    return FromTable(table, jobMustBeRunning, out definition, out reason);
                default:
                    if (!TryConvert(value, out BackendAddress? address, out reason, jobMustBeRunning))
                    {
                        if (inner is string)
                        {
                            reason += $" Settings follow the address after ';': {BackendDefinition.AcceptedSettings}.";
                        }
                        return false;
                    }
                    definition = new BackendDefinition(address!);
                    return true;
            }
        }

        private static bool FromTable(IDictionary table, bool jobMustBeRunning, out BackendDefinition? definition, out string? reason)
        {
            definition = null;
            object? addressValue = null;
            int weight = BackendDefinition.DefaultWeight;
            bool backup = false;
            int? maxConnections = null;
            string shown = "@{ " + string.Join("; ", EntriesOf(table)) + " }";
            foreach (DictionaryEntry entry in table)
            {
                object? entryValue = entry.Value is PSObject wrapped ? wrapped.BaseObject : entry.Value;
                string key = BackendDefinition.NormalizeKey(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "");
                try
                {
                    switch (key)
                    {
                        case "address":
                            addressValue = entryValue;
                            continue;
                        case "weight":
                            weight = LanguagePrimitives.ConvertTo<int>(entryValue);
                            if (weight < 1 || weight > BackendDefinition.MaxWeight)
                            {
                                reason = $"{shown} is not a valid backend: Weight {weight} is not from 1 to {BackendDefinition.MaxWeight}. Accepted keys: {HashtableKeys}.";
                                return false;
                            }
                            continue;
                        case "backup":
                            backup = LanguagePrimitives.IsTrue(entryValue);
                            continue;
                        case "maxconnections":
                            maxConnections = LanguagePrimitives.ConvertTo<int>(entryValue);
                            if (maxConnections < 0)
                            {
                                reason = $"{shown} is not a valid backend: MaxConnections {maxConnections} is below 0. Accepted keys: {HashtableKeys}.";
                                return false;
                            }
                            continue;
                        default:
                            reason = $"{shown} is not a valid backend: '{entry.Key}' is not a backend setting. Accepted keys: {HashtableKeys}.";
                            return false;
                    }
                }
                catch (PSInvalidCastException)
                {
                    reason = $"{shown} is not a valid backend: {entry.Key} '{entryValue}' is not a whole number. Accepted keys: {HashtableKeys}.";
                    return false;
                }
            }
            if (addressValue == null)
            {
                reason = $"{shown} is not a valid backend: it has no Address. Accepted keys: {HashtableKeys}.";
                return false;
            }
            if (!TryConvert(addressValue, out BackendAddress? address, out reason, jobMustBeRunning))
            {
                reason = $"{shown} is not a valid backend: {reason}";
                return false;
            }
            definition = new BackendDefinition(address!, weight, backup, maxConnections);
            return true;
        }

        private static IEnumerable<string> EntriesOf(IDictionary table)
        {
            foreach (DictionaryEntry entry in table)
            {
                yield return $"{entry.Key} = {entry.Value}";
            }
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
                case TcpBalancerBackendStatus status:
                    return BackendAddress.TryParse(status.Backend, out address, out reason);
                case int _:
                case long _:
                case short _:
                case byte _:
                    return BackendAddress.TryParse(Convert.ToString(inner, CultureInfo.InvariantCulture), out address, out reason);
                case string text:
                    return BackendAddress.TryParse(text, out address, out reason);
                case PSCustomObject _ when value is PSObject bag:
                    return FromStandIn(bag, jobMustBeRunning, out address, out reason);
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

        /// <summary>
        /// A backend status row or a backend job that lost its type (serialized, Select-Object,
        /// JSON, CSV; see <see cref="JobStandIn"/>): the row's Backend, or the running backend job of that name.
        /// </summary>
        private static bool FromStandIn(PSObject bag, bool jobMustBeRunning, out BackendAddress? address, out string? reason)
        {
            string? member = JobStandIn.BackendOf(bag);
            if (member != null)
            {
                return BackendAddress.TryParse(member, out address, out reason);
            }
            if (JobStandIn.RunningJobOf(bag) is TcpBackendJob job)
            {
                return FromJob(job, jobMustBeRunning, out address, out reason);
            }
            address = null;
            string name = bag.Properties["Name"]?.Value is object named ? $"'{named}' " : "";
            reason = $"The object {name}({bag.TypeNames.FirstOrDefault()}) is not a valid backend: it is neither a backend status (with Balancer and Backend) nor a running backend job of this session. Accepted: {BackendAddress.AcceptedForms}, a job from Start-TcpBackend, or a row of Get-TcpBalancerBackend.";
            return false;
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
