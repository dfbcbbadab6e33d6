using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using TcpLbModule.Detached;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// An object that stands for one of the module's running jobs once it has lost its type: a
    /// status or job that went through serialization (Import-Clixml, Receive-Job, Invoke-Command, a
    /// child pwsh), was reshaped by Select-Object, or was read back from JSON or CSV. PowerShell
    /// hands such an object over as a property bag (a PSObject around a PSCustomObject, whose first
    /// type name may be "Selected..." or none of the module's), so it is recognized by its properties,
    /// as PowerShell binds by property name: a status row (toxic, access rule, pool member) by its
    /// Balancer, a job by its Name and PSJobTypeName or its type names. Ids do not
    /// cross processes; names are unique per session, so the running job of that name is the one.
    /// </summary>
    internal static class JobStandIn
    {
        private const string ModuleTypePrefix = "TcpLbModule.";

        private static readonly string[] JobTypeNames =
        {
            TcpBalancerJob.JobTypeName, TcpBackendJob.JobTypeName, TcpProbeJob.JobTypeName, TcpDashboardJob.JobTypeName,
        };

        /// <summary>The value as a property bag (what serialization, Select-Object and ConvertFrom-Json/-Csv give), or null.</summary>
        public static PSObject? AsPropertyBag(object? value)
            => value is PSObject wrapped && wrapped.BaseObject is PSCustomObject ? wrapped : null;

        /// <summary>The running job (of this session, or the one a detached server's process serves) that the bag stands for, or null.</summary>
        public static TcpLbJob? RunningJobOf(PSObject bag)
        {
            string? name = IsStatus(bag) ? Text(bag, "Balancer") : IsJob(bag) ? Text(bag, "Name") : null;
            if (string.IsNullOrEmpty(name))
            {
                return null;
            }
            List<TcpLbJob> named = ModuleJobRegistry.RunningInProcess().Concat(DetachedServerHost.HostedJobs)
                .Where(j => string.Equals(j.Name, name, StringComparison.OrdinalIgnoreCase)).Distinct().ToList();
            return named.Count == 1 ? named[0] : null;
        }

        /// <summary>The pool member a backend status row names ("127.0.0.1:8088"), or null when the bag is not one.</summary>
        public static string? BackendOf(PSObject bag) => IsStatus(bag) ? Text(bag, "Backend") : null;

        /// <summary>A status row of a balancer (pool member, toxic, access rule), whole or cut down by Select-Object: it names its balancer.</summary>
        private static bool IsStatus(PSObject bag) => !string.IsNullOrEmpty(Text(bag, "Balancer"));

        /// <summary>A job of the module: its type names say so, or its PSJobTypeName is one of the module's.</summary>
        private static bool IsJob(PSObject bag)
            => bag.TypeNames.Any(t => t.IndexOf(ModuleTypePrefix + "Jobs.Tcp", StringComparison.Ordinal) >= 0 && t.EndsWith("Job", StringComparison.Ordinal))
               || JobTypeNames.Contains(Text(bag, "PSJobTypeName"), StringComparer.Ordinal);

        private static string? Text(PSObject bag, string property)
        {
            object? value = bag.Properties[property]?.Value;
            value = value is PSObject wrapped ? wrapped.BaseObject : value;
            return value as string;
        }
    }
}
