using System.IO;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace TcpLbModule
{
    /// <summary>
    /// Puts the module's job view (TcpLbModule.Jobs.format.ps1xml) before PowerShell's own, so that
    /// Get-Job prints the module's jobs with whole names whichever job comes first: PowerShell picks
    /// the table of the first object, and its own job view, selected by the Job base type, is
    /// otherwise found first and cuts names at 15 characters. The module's view gives other jobs
    /// PowerShell's own columns and values (names wrapped, not cut) and the module's jobs the command
    /// that made them.
    /// </summary>
    public sealed class JobViewFirst : IModuleAssemblyInitializer
    {
        public void OnImport()
        {
            string folder = Path.GetDirectoryName(typeof(JobViewFirst).Assembly.Location) ?? ".";
            string view = Path.Combine(folder, "TcpLbModule.Jobs.format.ps1xml");
            if (!File.Exists(view) || Runspace.DefaultRunspace == null)
            {
                return;
            }
            try
            {
                using (PowerShell shell = PowerShell.Create(RunspaceMode.CurrentRunspace))
                {
                    shell.AddCommand("Update-FormatData").AddParameter("PrependPath", view).Invoke();
                }
            }
            catch (RuntimeException)
            {
                // A session that does not allow it (a constrained runspace): PowerShell's own job view stays first.
            }
        }
    }
}
