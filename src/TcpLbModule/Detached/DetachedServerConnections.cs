using System;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Threading;

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
        /// <summary>How long one attempt to connect may take before it is given up and made again.</summary>
        private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);

        private const int Attempts = 3;

        /// <summary>
        /// A new connection to the server. An attempt that has not opened within
        /// <see cref="AttemptTimeout"/> is abandoned and made again: a client that connects just as
        /// PowerShell replaces its pipe's listener is left on the old one and never answered (its
        /// own open timeout does not end that wait).
        /// </summary>
        public static Runspace Take(DetachedServerEntry entry)
        {
            Exception? last = null;
            for (int attempt = 0; attempt < Attempts; attempt++)
            {
                var connection = (RunspaceConnectionInfo)Activator.CreateInstance(typeof(NamedPipeConnectionInfo), entry.PipeName);
                connection.OpenTimeout = (int)AttemptTimeout.TotalMilliseconds;
                Runspace runspace = RunspaceFactory.CreateRunspace(connection);
                if (TryOpen(runspace, out last))
                {
                    try
                    {
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
                // A stuck attempt may block its own disposal: it is let go off the caller's thread.
                ThreadPool.QueueUserWorkItem(_ =>
                {
                    try
                    {
                        runspace.Dispose();
                    }
                    catch (Exception)
                    {
                        // Nothing more to free.
                    }
                });
            }
            throw new TimeoutException($"The server did not answer on its pipe in {Attempts} attempts of {AttemptTimeout.TotalSeconds:0} s.", last);
        }

        private static bool TryOpen(Runspace runspace, out Exception? error)
        {
            // Not disposed: a late state change of an abandoned attempt may still set it.
            var settled = new ManualResetEventSlim();
            runspace.StateChanged += (sender, e) =>
            {
                if (e.RunspaceStateInfo.State != RunspaceState.Opening && e.RunspaceStateInfo.State != RunspaceState.BeforeOpen)
                {
                    settled.Set();
                }
            };
            runspace.OpenAsync();
            settled.Wait(AttemptTimeout);
            RunspaceStateInfo state = runspace.RunspaceStateInfo;
            error = state.State == RunspaceState.Opened ? null : state.Reason ?? new TimeoutException($"No answer within {AttemptTimeout.TotalSeconds:0} s.");
            return error == null;
        }

        /// <summary>Closes the connection, which frees the server's pipe for the next client.</summary>
        public static void Return(Runspace runspace) => runspace.Dispose();
    }
}
