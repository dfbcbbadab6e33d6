using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using TcpLbModule.Detached;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// Lets a status object stand for the job it describes, so that Get-TcpBalancerBackend,
    /// Get-TcpBalancerToxic and Get-TcpBalancerAccess pipe into the other cmdlets of their noun
    /// (the rest of the object binds by property name: Backend to -Backend, ToxicName to
    /// -ToxicName). A status carries its balancer's Name and Id; anything else passes unchanged.
    /// </summary>
    internal sealed class StatusToJobTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            if (inputData is IList list && !(inputData is string))
            {
                var converted = new List<object?>(list.Count);
                foreach (object? item in list)
                {
                    converted.Add(JobOf(item));
                }
                return converted.ToArray();
            }
            return JobOf(inputData);
        }

        private static object? JobOf(object? value)
        {
            PSObject? wrapped = value is PSObject psObject ? psObject : null;
            object? inner = wrapped?.BaseObject ?? value;
            string? name;
            int id;
            switch (inner)
            {
                case TcpBalancerBackendStatus backend:
                    (name, id) = (backend.Balancer, backend.BalancerId);
                    break;
                case TcpBalancerToxicStatus toxic:
                    (name, id) = (toxic.Balancer, toxic.BalancerId);
                    break;
                case TcpBalancerAccessRule rule:
                    (name, id) = (rule.Balancer, rule.BalancerId);
                    break;
                default:
                    return wrapped == null ? value : JobOfDeserialized(wrapped) ?? value;
            }
            TcpLbJob? job = ModuleJobRegistry.RunningInProcess().Concat(DetachedServerHost.HostedJobs).FirstOrDefault(j => j.Id == id && j.Name == name);
            return job ?? value;
        }

        /// <summary>
        /// A job or status object that went through serialization (Import-Clixml, Receive-Job,
        /// Invoke-Command): the running job of that name (a status's Balancer, a job's Name), or
        /// null. Ids do not cross processes; names are unique per session.
        /// </summary>
        private static TcpLbJob? JobOfDeserialized(PSObject wrapped)
        {
            if (wrapped.TypeNames.Count == 0 || !wrapped.TypeNames[0].StartsWith("Deserialized.TcpLbModule.", System.StringComparison.Ordinal))
            {
                return null;
            }
            string? name = (wrapped.Properties["Balancer"]?.Value ?? wrapped.Properties["Name"]?.Value) as string;
            if (name == null)
            {
                return null;
            }
            List<TcpLbJob> named = ModuleJobRegistry.RunningInProcess().Concat(DetachedServerHost.HostedJobs)
                .Where(j => string.Equals(j.Name, name, System.StringComparison.OrdinalIgnoreCase)).Distinct().ToList();
            return named.Count == 1 ? named[0] : null;
        }
    }
}
