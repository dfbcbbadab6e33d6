using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace TcpLbModule.Detached
{
    /// <summary>
    /// Starts one detached server: the caller's own pwsh, in the background, with a remoting pipe
    /// of its own (-CustomPipeName), running the same Start-* command without -Detached (see
    /// <see cref="DetachedServerHost"/>). The child says "ready" or why it failed on its stdout;
    /// on failure nothing is left behind.
    /// </summary>
    internal sealed class DetachedServerLauncher
    {
        /// <summary>Generous: a cold pwsh on a busy CI machine can take many seconds to start.</summary>
        private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(120);

        private const int StderrKept = 4000;

        private const string ChildScript = @"
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
try {
    $start = [System.Management.Automation.PSSerializer]::Deserialize([System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String('{PAYLOAD}')))
    Import-Module -Name $start.ModulePath
    $parameters = $start.Parameters
    $job = & $start.Command @parameters
    [TcpLbModule.Detached.DetachedServerHost]::Serve($job, $start.PipeName, $start.ModulePath)
}
catch {
    $record = $_
    $message = $_.Exception.Message
    $inner = $_.Exception.InnerException
    if ($_.Exception -is [System.Management.Automation.MethodInvocationException] -and $inner -is [System.Management.Automation.IContainsErrorRecord]) {
        $record = $inner.ErrorRecord
        $message = $inner.Message
    }
    $failure = @{ ErrorId = ($record.FullyQualifiedErrorId -split ',')[0]; Category = [string] $record.CategoryInfo.Category; Message = $message; Target = [string] $record.TargetObject }
    try {
        [Console]::Out.WriteLine('tcplb-failed ' + [System.Convert]::ToBase64String([System.Text.Encoding]::UTF8.GetBytes([System.Management.Automation.PSSerializer]::Serialize($failure))))
        [Console]::Out.Flush()
    }
    catch { }
    exit 1
}
# The client that stopped the server gets its answer before the process ends.
$deadline = [DateTime]::UtcNow.AddSeconds(5)
while ([DateTime]::UtcNow -lt $deadline -and @(Get-Runspace | Where-Object { $_.Id -ne [runspace]::DefaultRunspace.Id -and $_.RunspaceAvailability -eq 'Busy' }).Count -gt 0) {
    Start-Sleep -Milliseconds 50
}
exit 0
";

        private readonly Process _process;
        private readonly StringBuilder _stderr = new StringBuilder();
        private readonly string _what;
        private readonly string _pipeName;

        private DetachedServerLauncher(Process process, string what, string pipeName)
        {
            _process = process;
            _what = what;
            _pipeName = pipeName;
        }

        /// <summary>Starts the child; <see cref="WaitUntilReady"/> then waits for its signal.</summary>
        /// <param name="command">Start-TcpBalancer or Start-TcpBackend.</param>
        /// <param name="parameters">Its parameters, without -Detached, in values that survive serialization.</param>
        /// <param name="what">How messages name the server ("balancer on port 0").</param>
        /// <param name="name">The -Name given, checked now so that a taken one fails before a process starts.</param>
        public static DetachedServerLauncher Begin(PSCmdlet cmdlet, string command, Hashtable parameters, string? name, string what)
        {
            List<DetachedTcpServer> live = new List<DetachedTcpServer>();
            try
            {
                // A registry folder someone else could have planted is refused before a process starts.
                RuntimeFolder.Ensure();
                live = DetachedServerRegistry.Find(null, null, cmdlet.WriteVerbose);
                if (name != null && live.Any(server => string.Equals(server.Name, name, StringComparison.OrdinalIgnoreCase)))
                {
                    cmdlet.ThrowTerminatingError(DetachedServerHost.NameTaken(name));
                }
            }
            catch (UnsafeRegistryException e)
            {
                cmdlet.ThrowTerminatingError(e.ErrorRecord);
            }
            DetachedPipeFiles.SweepStale(new HashSet<string>(live.Select(server => server.Entry.PipeName), StringComparer.Ordinal));
            if (!PowerShellExecutable.SupportsCustomPipe)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(
                    new PlatformNotSupportedException($"-Detached needs PowerShell 7 or later (pwsh): Windows PowerShell {typeof(PSObject).Assembly.GetName().Version} cannot host a detached server. Run the command in pwsh, or start the {command.Substring(command.IndexOf('-') + 4).ToLowerInvariant()} as a job without -Detached."),
                    "DetachedNeedsPowerShell7",
                    ErrorCategory.NotImplemented,
                    null));
            }
            string psHome = (string)cmdlet.SessionState.PSVariable.GetValue("PSHOME");
            PowerShellExecutable? pwsh = PowerShellExecutable.Find(psHome);
            if (pwsh == null)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException($"-Detached starts the current PowerShell again, but neither {psHome}/pwsh nor {psHome}/pwsh.dll was found."),
                    "PowerShellNotFound",
                    ErrorCategory.ObjectNotFound,
                    psHome));
            }

            string pipeName = DetachedPipeFiles.NewName();
            string modulePath = cmdlet.MyInvocation.MyCommand.Module?.Path ?? typeof(DetachedServerLauncher).Assembly.Location;
            var start = new Hashtable
            {
                ["ModulePath"] = modulePath,
                ["Command"] = command,
                ["Parameters"] = parameters,
                ["PipeName"] = pipeName,
            };
            string payload = Convert.ToBase64String(Encoding.UTF8.GetBytes(PSSerializer.Serialize(start)));
            string script = ChildScript.Replace("{PAYLOAD}", payload);
            string encoded = Convert.ToBase64String(Encoding.Unicode.GetBytes(script));

            var info = new ProcessStartInfo(pwsh!.FileName)
            {
                Arguments = (pwsh.LeadingArguments + " -NoProfile -NonInteractive -NoLogo -CustomPipeName " + pipeName + " -EncodedCommand " + encoded).TrimStart(),
                UseShellExecute = false,
                CreateNoWindow = true,
                // Not the caller's folder: a process that outlives a CI step must not hold (on Windows, lock) its workspace.
                WorkingDirectory = System.IO.Path.GetTempPath(),
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                StandardOutputEncoding = Encoding.UTF8,
                StandardErrorEncoding = Encoding.UTF8,
            };
            cmdlet.WriteVerbose($"Starting a detached {what}: {pwsh} -CustomPipeName {pipeName}.");
            Process process = Process.Start(info)!;
            process.StandardInput.Close();
            var launcher = new DetachedServerLauncher(process, what, pipeName);
            process.ErrorDataReceived += launcher.OnStderr;
            process.BeginErrorReadLine();
            return launcher;
        }

        /// <summary>The started server, or a terminating error (the child's own, or why it gave none) with the child ended.</summary>
        /// <param name="cancel">Set when the call is stopped (Ctrl+C): the child is ended.</param>
        public DetachedTcpServer WaitUntilReady(PSCmdlet cmdlet, CancellationToken cancel)
        {
            DateTime deadline = DateTime.UtcNow + ReadyTimeout;
            try
            {
                while (true)
                {
                    Task<string> read = _process.StandardOutput.ReadLineAsync();
                    TimeSpan left = deadline - DateTime.UtcNow;
                    bool arrived;
                    try
                    {
                        arrived = left > TimeSpan.Zero && read.Wait((int)left.TotalMilliseconds, cancel);
                    }
                    catch (OperationCanceledException)
                    {
                        Abandon();
                        throw new PipelineStoppedException();
                    }
                    if (!arrived)
                    {
                        Abandon();
                        cmdlet.ThrowTerminatingError(new ErrorRecord(
                            new TimeoutException($"The detached {_what} did not say it was listening within {ReadyTimeout.TotalSeconds:0} s; its process was ended.{StderrText()}"),
                            "DetachedStartTimeout",
                            ErrorCategory.OperationTimeout,
                            null));
                    }
                    string? line = read.Result;
                    if (line == null)
                    {
                        _process.WaitForExit(5000);
                        DetachedServerRegistry.RemoveByPid(_process.Id);
                        DetachedPipeFiles.Delete(_pipeName);
                        cmdlet.ThrowTerminatingError(new ErrorRecord(
                            new InvalidOperationException($"The process of the detached {_what} exited before it was listening.{StderrText()}"),
                            "DetachedStartFailed",
                            ErrorCategory.InvalidResult,
                            null));
                    }
                    if (line!.StartsWith(DetachedServerHost.ReadySignal + " ", StringComparison.Ordinal))
                    {
                        string name = Encoding.UTF8.GetString(Convert.FromBase64String(line.Substring(DetachedServerHost.ReadySignal.Length + 1).Trim()));
                        DetachedTcpServer? server = DetachedServerRegistry.Get(name, cmdlet.WriteVerbose);
                        if (server == null)
                        {
                            Abandon();
                            cmdlet.ThrowTerminatingError(new ErrorRecord(
                                new InvalidOperationException($"The detached {_what} '{name}' said it was ready, but its entry is not in {RuntimeFolder.Path}; its process was ended."),
                                "DetachedStartFailed",
                                ErrorCategory.InvalidResult,
                                name));
                        }
                        DetachedServerJobAdapter.OnStarted(server!);
                        return server!;
                    }
                    if (line.StartsWith(DetachedServerHost.FailedSignal + " ", StringComparison.Ordinal))
                    {
                        ErrorRecord error = ChildError(line.Substring(DetachedServerHost.FailedSignal.Length + 1).Trim());
                        if (!_process.WaitForExit(10_000))
                        {
                            Abandon();
                        }
                        DetachedPipeFiles.Delete(_pipeName);
                        cmdlet.ThrowTerminatingError(error);
                    }
                    // Anything else the child printed before its signal is not ours to show.
                }
            }
            finally
            {
                _process.Dispose();
            }
        }

        /// <summary>Ends a child that will not be waited for (another start of the same call failed), and any entry it wrote.</summary>
        public void Abandon()
        {
            try
            {
                int pid = _process.Id;
                if (!_process.HasExited)
                {
                    _process.Kill();
                    _process.WaitForExit(10_000);
                }
                // It may have registered just before it was killed.
                DetachedServerRegistry.RemoveByPid(pid);
                DetachedPipeFiles.Delete(_pipeName);
            }
            catch (InvalidOperationException)
            {
                // Exited meanwhile, or already disposed.
            }
        }

        /// <summary>The child's terminating error, rebuilt: same error id, category and message.</summary>
        private static ErrorRecord ChildError(string payload)
        {
            object deserialized = PSSerializer.Deserialize(Encoding.UTF8.GetString(Convert.FromBase64String(payload)));
            var failure = (Hashtable)(deserialized is PSObject wrapped ? wrapped.BaseObject : deserialized);
            string message = (string)failure["Message"];
            if (!Enum.TryParse((string)failure["Category"], out ErrorCategory category))
            {
                category = ErrorCategory.NotSpecified;
            }
            Exception exception = category == ErrorCategory.InvalidArgument ? new ArgumentException(message) : (Exception)new InvalidOperationException(message);
            string? target = failure["Target"] as string;
            return new ErrorRecord(exception, (string)failure["ErrorId"], category, string.IsNullOrEmpty(target) ? null : target);
        }

        private void OnStderr(object sender, DataReceivedEventArgs e)
        {
            lock (_stderr)
            {
                if (e.Data != null && _stderr.Length < StderrKept)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        }

        private string StderrText()
        {
            lock (_stderr)
            {
                string text = _stderr.ToString().Trim();
                return text.Length == 0 ? "" : " Its error output: " + text;
            }
        }
    }
}
