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
    /// -ToxicName). A status carries its balancer's Name and Id; a status or job that lost its type
    /// (serialized, Select-Object, JSON, CSV) stands for the running job of its name (<see cref="JobStandIn"/>);
    /// anything else passes unchanged.
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
            object? inner = value is PSObject wrapped ? wrapped.BaseObject : value;
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
                    PSObject? bag = JobStandIn.AsPropertyBag(value);
                    return bag == null ? value : JobStandIn.RunningJobOf(bag) ?? value;
            }
            TcpLbJob? job = ModuleJobRegistry.RunningInProcess().Concat(DetachedServerHost.HostedJobs).FirstOrDefault(j => j.Id == id && j.Name == name);
            return job ?? value;
        }
    }
}
