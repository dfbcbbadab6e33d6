using System;
using System.Linq;
using System.Management.Automation;

namespace TcpLbModule.Jobs
{
    /// <summary>
    /// Names of the module's running jobs are unique in a session (as detached servers' names are
    /// for a user), so that -Name addresses one job. A stopped job's name is free again.
    /// </summary>
    internal static class SessionJobNames
    {
        /// <summary>Stops the cmdlet with NameInUse when a running job of this session has <paramref name="name"/>.</summary>
        public static void EnsureFree(PSCmdlet cmdlet, string name)
        {
            TcpLbJob? holder = ModuleJobRegistry.RunningInCurrentRunspace().FirstOrDefault(j => string.Equals(j.Name, name, StringComparison.OrdinalIgnoreCase));
            if (holder != null)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException($"-Name '{name}' is in use: {holder.PSJobTypeName} job '{holder.Name}' (Id {holder.Id}) on {holder.Location} runs in this session. A name addresses one job: choose another, or stop that job first."),
                    "NameInUse",
                    ErrorCategory.ResourceExists,
                    name));
            }
        }
    }
}
