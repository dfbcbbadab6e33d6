using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace TcpLbModule.Detached
{
    /// <summary>
    /// Open connections (remote runspaces, with the module imported) to detached servers, kept
    /// between calls of one session so that a script that addresses one server many times opens
    /// its pipe once. A connection is used by one call at a time: it is taken out while in use.
    /// </summary>
    internal static class DetachedServerConnections
    {
        private static readonly TimeSpan OpenTimeout = TimeSpan.FromSeconds(30);

        private static readonly ConcurrentDictionary<string, Runspace> Idle = new ConcurrentDictionary<string, Runspace>(StringComparer.Ordinal);

        /// <summary>An open connection to the server: an idle one, or a new one.</summary>
        public static Runspace Take(DetachedServerEntry entry)
        {
            if (Idle.TryRemove(KeyOf(entry), out Runspace? idle))
            {
                if (idle.RunspaceStateInfo.State == RunspaceState.Opened)
                {
                    return idle;
                }
                idle.Dispose();
            }
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

        /// <summary>Keeps a connection for the next call, unless it broke or the server is ending.</summary>
        public static void Return(DetachedServerEntry entry, Runspace runspace, bool keep)
        {
            if (keep && runspace.RunspaceStateInfo.State == RunspaceState.Opened && Idle.TryAdd(KeyOf(entry), runspace))
            {
                return;
            }
            runspace.Dispose();
        }

        private static string KeyOf(DetachedServerEntry entry) => entry.PipeName + "/" + entry.Pid;
    }
}
