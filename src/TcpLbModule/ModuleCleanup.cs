using System.Management.Automation;
using TcpLbModule.Jobs;

namespace TcpLbModule
{
    /// <summary>Remove-Module TcpLbModule stops every listener and probe the module started.</summary>
    public sealed class ModuleCleanup : IModuleAssemblyCleanup
    {
        public void OnRemove(PSModuleInfo psModuleInfo) => ModuleJobRegistry.StopAllOfCurrentRunspace();
    }
}
