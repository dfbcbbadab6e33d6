using System;
using System.Diagnostics;
using System.IO;
using System.Management.Automation;
using System.Runtime.InteropServices;

namespace TcpLbModule.Detached
{
    /// <summary>
    /// How to start the caller's own PowerShell: under the same dotnet host when the caller runs
    /// as a .NET tool (dotnet pwsh: $PSHOME/pwsh.dll), else $PSHOME's pwsh executable.
    /// </summary>
    internal sealed class PowerShellExecutable
    {
        private PowerShellExecutable(string fileName, string leadingArguments)
        {
            FileName = fileName;
            LeadingArguments = leadingArguments;
        }

        public string FileName { get; }

        /// <summary>Arguments that come before pwsh's own (the quoted pwsh.dll under dotnet), or "".</summary>
        public string LeadingArguments { get; }

        public static PowerShellExecutable? Find(string psHome)
        {
            string? current = null;
            try
            {
                current = Process.GetCurrentProcess().MainModule?.FileName;
            }
            catch (Exception e) when (e is InvalidOperationException || e is System.ComponentModel.Win32Exception || e is NotSupportedException)
            {
                // Not readable here: fall back to $PSHOME.
            }
            string pwshDll = Path.Combine(psHome, "pwsh.dll");
            if (current != null && string.Equals(Path.GetFileNameWithoutExtension(current), "dotnet", StringComparison.OrdinalIgnoreCase) && File.Exists(pwshDll))
            {
                return new PowerShellExecutable(current, CommandLine.Quote(pwshDll));
            }
            string apphost = Path.Combine(psHome, RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "pwsh.exe" : "pwsh");
            if (File.Exists(apphost))
            {
                return new PowerShellExecutable(apphost, "");
            }
            if (current != null && string.Equals(Path.GetFileNameWithoutExtension(current), "pwsh", StringComparison.OrdinalIgnoreCase))
            {
                return new PowerShellExecutable(current, "");
            }
            return null;
        }

        /// <summary>Whether this PowerShell can host a detached server: pwsh 7 has -CustomPipeName, Windows PowerShell 5.1 does not.</summary>
        public static bool SupportsCustomPipe => typeof(PSObject).Assembly.GetName().Version.Major >= 7;

        public override string ToString() => LeadingArguments.Length == 0 ? FileName : FileName + " " + LeadingArguments;
    }
}
