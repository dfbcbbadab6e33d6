using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Net;
using System.Net.Sockets;

namespace TcpLbModule.Tests
{
    /// <summary>
    /// A hosted PowerShell 7.6 session that has imported the built module from module/, as a user
    /// would. Disposing it stops and removes every job it started.
    /// </summary>
    public sealed class ModuleSession : IDisposable
    {
        private readonly Runspace _runspace;

        public ModuleSession()
        {
            _runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
            _runspace.Open();
            Run("Import-Module $args[0] -ErrorAction Stop", ManifestPath);
        }

        public static string RepositoryRoot
        {
            get
            {
                var dir = new DirectoryInfo(AppContext.BaseDirectory);
                while (dir != null && !File.Exists(Path.Combine(dir.FullName, "TcpLbModule.sln")))
                {
                    dir = dir.Parent;
                }
                return dir?.FullName ?? throw new InvalidOperationException("TcpLbModule.sln not found above " + AppContext.BaseDirectory);
            }
        }

        public static string ManifestPath => Path.Combine(RepositoryRoot, "module", "TcpLbModule.psd1");

        /// <summary>Runs a script; any error record fails the call with the error's text.</summary>
        public Collection<PSObject> Run(string script, params object[] args)
        {
            using PowerShell ps = Create(script, args);
            Collection<PSObject> output = ps.Invoke();
            if (ps.Streams.Error.Count > 0)
            {
                throw new InvalidOperationException("Script wrote errors: " + string.Join(" | ", ps.Streams.Error.Select(e => e.ToString())));
            }
            return output;
        }

        /// <summary>
        /// Runs a script that must stop with a terminating error (one that try/catch catches, as a
        /// user's script would see it); returns that error.
        /// </summary>
        public ErrorRecord RunExpectingError(string script, params object[] args)
        {
            using PowerShell ps = Create("$script:caught = $null; try { " + script + " } catch { $script:caught = $_ }", args);
            ps.Invoke();
            PSObject? caught = Run("$script:caught").FirstOrDefault();
            if (caught?.BaseObject is ErrorRecord error)
            {
                return error;
            }
            throw new InvalidOperationException("Expected a terminating error from: " + script
                + (ps.Streams.Error.Count > 0 ? " (got only non-terminating: " + ps.Streams.Error[0] + ")" : ""));
        }

        /// <summary>Runs a script and returns its output and error streams without throwing.</summary>
        public (Collection<PSObject> Output, PSDataCollection<ErrorRecord> Errors) RunRaw(string script, params object[] args)
        {
            PowerShell ps = Create(script, args);
            return (ps.Invoke(), ps.Streams.Error);
        }

        /// <summary>A command on this session's runspace, for callers that invoke it asynchronously.</summary>
        public PowerShell CreateCommand(string script, params object[] args) => Create(script, args);

        public static object? Prop(PSObject o, string name) => o.Properties[name]?.Value;

        public static T Prop<T>(PSObject o, string name) => (T)LanguagePrimitives.ConvertTo(o.Properties[name]?.Value, typeof(T));

        public static bool PortIsFree(int port)
        {
            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }

        public void Dispose()
        {
            try
            {
                Run("Get-Job | Stop-Job; Get-Job | Remove-Job -Force");
            }
            finally
            {
                _runspace.Dispose();
            }
        }

        private PowerShell Create(string script, object[] args)
        {
            PowerShell ps = PowerShell.Create();
            ps.Runspace = _runspace;
            ps.AddScript(script);
            foreach (object arg in args)
            {
                ps.AddArgument(arg);
            }
            return ps;
        }
    }
}
