using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace TcpLb.Configuration.Tests
{
    /// <summary>
    /// HAProxy or nginx, installed from Debian's packages (.ci/run installs them): checks a
    /// configuration, or runs one in the foreground until disposed. A missing binary fails the
    /// test; it is never skipped.
    /// </summary>
    internal sealed class RealPeer : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new StringBuilder();

        private RealPeer(Process process)
        {
            _process = process;
        }

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public bool HasExited => _process.HasExited;

        /// <summary>The full path of an installed program (PATH, then /usr/sbin and /usr/bin); fails the test when it is missing.</summary>
        public static string Find(string program, string package)
        {
            string path = Environment.GetEnvironmentVariable("PATH") ?? "";
            foreach (string dir in (path + ":/usr/sbin:/usr/bin:/sbin").Split(':'))
            {
                string candidate = Path.Combine(dir.Length == 0 ? "." : dir, program);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
            throw new Xunit.Sdk.XunitException($"{program} is not installed: this test needs the real peer. Install it with 'apt-get install -y {package}' (.ci/run does).");
        }

        /// <summary>Runs a program to its end (30 s at most); returns its exit code and everything it wrote.</summary>
        public static (int ExitCode, string Output) Run(string program, params string[] arguments)
        {
            using var peer = Start(program, arguments);
            if (!peer._process.WaitForExit(30_000))
            {
                throw new TimeoutException($"{program} {string.Join(" ", arguments)} did not end within 30 s. Output: {peer.Output}");
            }
            peer._process.WaitForExit();
            return (peer._process.ExitCode, peer.Output);
        }

        public static RealPeer Start(string program, params string[] arguments)
        {
            var start = new ProcessStartInfo(program)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }
            var process = new Process { StartInfo = start };
            var peer = new RealPeer(process);
            process.OutputDataReceived += (_, e) => peer.Append(e.Data);
            process.ErrorDataReceived += (_, e) => peer.Append(e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return peer;
        }

        /// <summary>
        /// Waits until a socket listens on <paramref name="port"/>; false if the process exits first
        /// or 30 s pass. Read from /proc/net/tcp rather than by connecting: a test connection
        /// would take the first backend of the rotation.
        /// </summary>
        public async Task<bool> WaitListeningAsync(int port)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            string hexPort = ":" + port.ToString("X4", System.Globalization.CultureInfo.InvariantCulture);
            while (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                foreach (string line in File.ReadLines("/proc/net/tcp"))
                {
                    // sl local_address rem_address st ...: a local address ending in the port, state 0A (LISTEN).
                    string[] fields = line.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
                    if (fields.Length > 3 && fields[1].EndsWith(hexPort, StringComparison.Ordinal) && fields[3] == "0A")
                    {
                        return true;
                    }
                }
                await Task.Delay(50);
            }
            return false;
        }

        /// <summary>A loopback port that was free a moment ago.</summary>
        public static int FreePort()
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            return ((IPEndPoint)socket.LocalEndPoint!).Port;
        }

        public void Dispose()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
            }
            _process.Dispose();
        }

        private void Append(string? line)
        {
            if (line != null)
            {
                lock (_output)
                {
                    _output.AppendLine(line);
                }
            }
        }
    }
}
