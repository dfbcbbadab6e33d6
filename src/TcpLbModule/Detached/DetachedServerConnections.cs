using System;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace TcpLbModule.Detached
{
    /// <summary>
    /// Connections (remote runspaces, with the module imported) to detached servers, one per call
    /// and closed after it: a server's pipe serves one client at a time, and a client that
    /// connects while another holds it waits forever, so no process may keep one open between
    /// calls (another process, or this session's Get-Job, would hang on it).
    /// </summary>
    internal static class DetachedServerConnections
    {
        private static readonly TimeSpan OpenTimeout = TimeSpan.FromSeconds(30);

        /// <summary>A new connection to the server.</summary>
        public static Runspace Take(DetachedServerEntry entry)
        {
            var connection = (RunspaceConnectionInfo)Activator.CreateInstance(typeof(NamedPipeConnectionInfo), entry.PipeName);
            connection.OpenTimeout = (int)OpenTimeout.TotalMilliseconds;
            Runspace runspace = RunspaceFactory.CreateRunspace(connection);
            try
            {
                runspace.Open();
                using (PowerShell import = PowerShell.Create())
                {
                    import.Runspace = runspace;
                    import.AddCommand("Import-Module").AddParameter("Name", entry.ModulePath).Invoke();
                }
                return runspace;
            }
            catch
            {
                runspace.Dispose();
                throw;
            }
        }

        /// <summary>Closes the connection, which frees the server's pipe for the next client.</summary>
        public static void Return(Runspace runspace) => runspace.Dispose();
    }
}
