using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Remoting;
using System.Management.Automation.Runspaces;

namespace TcpLbModule.Detached
{
    /// <summary>
    /// Runs a cmdlet of this module in the process of a detached server, over that process's
    /// PowerShell remoting pipe (only the same user can open it), and writes what it returns
    /// through the calling cmdlet: output (deserialized), errors with their id, category and
    /// message, verbose, warning and information records. The remote command gets no host of
    /// the caller's (its records come back as data only): -WhatIf and -Confirm are answered by
    /// the caller before it forwards.
    /// </summary>
    internal sealed class DetachedServerClient
    {
        /// <summary>Common parameters that name variables or buffers of the caller: they stay here.</summary>
        private static readonly HashSet<string> LocalOnly = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "ErrorVariable", "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable",
        };

        private readonly object _lock = new object();
        private PowerShell? _running;
        private bool _stopped;

        /// <summary>
        /// Runs <paramref name="command"/> with <paramref name="parameters"/> in the server's
        /// process. A terminating error there is one here; a server that cannot be reached is a
        /// DetachedServerUnreachable error.
        /// </summary>
        /// <param name="endsServer">The command stops the server: its process may end before the answer arrives.</param>
        public void Invoke(PSCmdlet cmdlet, DetachedTcpServer server, string command, IDictionary parameters, bool endsServer = false)
        {
            Runspace runspace;
            try
            {
                runspace = DetachedServerConnections.Take(server.Entry);
            }
            catch (Exception e) when (e is PSRemotingTransportException || e is PSRemotingDataStructureException || e is InvalidRunspaceStateException || e is TimeoutException || e is MissingMethodException || e is RuntimeException)
            {
                throw Unreachable(cmdlet, server, e);
            }
            try
            {
                Run(cmdlet, server, runspace, command, parameters, endsServer);
            }
            finally
            {
                DetachedServerConnections.Return(runspace);
            }
        }

        private void Run(PSCmdlet cmdlet, DetachedTcpServer server, Runspace runspace, string command, IDictionary parameters, bool endsServer)
        {
            using (PowerShell shell = PowerShell.Create())
            {
                shell.Runspace = runspace;
                shell.AddCommand(command);
                foreach (DictionaryEntry parameter in parameters)
                {
                    shell.AddParameter((string)parameter.Key, parameter.Value);
                }
                lock (_lock)
                {
                    if (_stopped)
                    {
                        throw new PipelineStoppedException();
                    }
                    _running = shell;
                }
                Collection<PSObject> output;
                try
                {
                    output = shell.Invoke();
                }
                catch (RuntimeException e) when (!(e is PSRemotingTransportException) && e.ErrorRecord != null && !(e is PipelineStoppedException))
                {
                    WriteStreams(cmdlet, shell);
                    cmdlet.ThrowTerminatingError(Rebuild(e.ErrorRecord));
                    throw; // not reached
                }
                catch (PSRemotingTransportException e)
                {
                    if (endsServer)
                    {
                        return;
                    }
                    throw Unreachable(cmdlet, server, e);
                }
                finally
                {
                    lock (_lock)
                    {
                        _running = null;
                    }
                }
                WriteStreams(cmdlet, shell);
                foreach (PSObject item in output)
                {
                    cmdlet.WriteObject(item);
                }
                foreach (ErrorRecord error in shell.Streams.Error)
                {
                    cmdlet.WriteError(Rebuild(error));
                }
            }
        }

        /// <summary>
        /// Runs <paramref name="command"/> in the server's process for a caller that is no cmdlet
        /// (Stop-Job on a detached server's job): the first error there is thrown here.
        /// </summary>
        public static void InvokeUnattended(DetachedTcpServer server, string command, IDictionary parameters, bool endsServer)
        {
            Runspace runspace = DetachedServerConnections.Take(server.Entry);
            try
            {
                using (PowerShell shell = PowerShell.Create())
                {
                    shell.Runspace = runspace;
                    shell.AddCommand(command).AddParameters(parameters);
                    try
                    {
                        shell.Invoke();
                    }
                    catch (PSRemotingTransportException) when (endsServer)
                    {
                        return; // the process ended before it answered
                    }
                    if (shell.Streams.Error.Count > 0)
                    {
                        ErrorRecord error = Rebuild(shell.Streams.Error[0]);
                        throw new RuntimeException(error.Exception.Message, error.Exception, error);
                    }
                }
            }
            finally
            {
                DetachedServerConnections.Return(runspace);
            }
        }

        /// <summary>For the calling cmdlet's StopProcessing (Ctrl+C): stops the remote command.</summary>
        public void Stop()
        {
            PowerShell? running;
            lock (_lock)
            {
                _stopped = true;
                running = _running;
            }
            running?.BeginStop(null, null);
        }

        /// <summary>
        /// The calling cmdlet's bound parameters as the remote one gets them: the addressing ones
        /// dropped (the caller adds -Name), caller-side common ones dropped, switches as booleans,
        /// enums as their names, and -Verbose always asked for (the caller's preference filters it).
        /// </summary>
        public static Hashtable ForwardedParameters(PSCmdlet cmdlet, IEnumerable<string> dropped, bool askVerbose = true)
        {
            var forwarded = new Hashtable(StringComparer.OrdinalIgnoreCase);
            foreach (KeyValuePair<string, object> parameter in cmdlet.MyInvocation.BoundParameters)
            {
                if (LocalOnly.Contains(parameter.Key))
                {
                    continue;
                }
                forwarded[parameter.Key] = Portable(parameter.Value);
            }
            foreach (string name in dropped)
            {
                forwarded.Remove(name);
            }
            if (askVerbose && !forwarded.ContainsKey("Verbose"))
            {
                forwarded["Verbose"] = true;
            }
            return forwarded;
        }

        private static object? Portable(object? value)
        {
            object? inner = value is PSObject wrapped ? wrapped.BaseObject : value;
            switch (inner)
            {
                case SwitchParameter flag:
                    return flag.IsPresent;
                case Enum member:
                    return member.ToString();
                case Jobs.TcpServerJob _:
                case DetachedTcpServer _:
                    // A backend given as a job or a detached server: its address (jobs do not cross processes).
                    return Commands.BackendArgument.TryConvert(inner, out var address, out _, jobMustBeRunning: false) ? address!.ToString() : inner.ToString();
                case object[] values:
                    return Array.ConvertAll(values, Portable);
                default:
                    return inner;
            }
        }

        private static void WriteStreams(PSCmdlet cmdlet, PowerShell shell)
        {
            foreach (WarningRecord warning in shell.Streams.Warning)
            {
                cmdlet.WriteWarning(warning.Message);
            }
            foreach (VerboseRecord verbose in shell.Streams.Verbose)
            {
                cmdlet.WriteVerbose(verbose.Message);
            }
            foreach (InformationRecord information in shell.Streams.Information)
            {
                cmdlet.WriteInformation(information);
            }
        }

        /// <summary>A remote error as a local one: the same error id (without the remote command's suffix), category, message and target.</summary>
        private static ErrorRecord Rebuild(ErrorRecord remote)
        {
            string id = remote.FullyQualifiedErrorId;
            int comma = id.IndexOf(',');
            if (comma > 0)
            {
                id = id.Substring(0, comma);
            }
            object? target = remote.TargetObject is PSObject wrapped ? wrapped.BaseObject : remote.TargetObject;
            var record = new ErrorRecord(remote.Exception, id, remote.CategoryInfo.Category, target);
            if (remote.ErrorDetails != null)
            {
                record.ErrorDetails = remote.ErrorDetails;
            }
            return record;
        }

        private static PipelineStoppedException Unreachable(PSCmdlet cmdlet, DetachedTcpServer server, Exception e)
        {
            cmdlet.ThrowTerminatingError(new ErrorRecord(
                new InvalidOperationException($"Cannot reach the detached {server.Kind.ToString().ToLowerInvariant()} '{server.Name}' ({server.Location}) over its pipe '{server.Entry.PipeName}': {e.Message}", e),
                "DetachedServerUnreachable",
                ErrorCategory.ConnectionError,
                server));
            return new PipelineStoppedException(); // not reached
        }
    }
}
