using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace TcpLb.Engine.Tests
{
    /// <summary>
    /// HAProxy or nginx, installed from Debian's packages, run in the foreground with a config in a
    /// temp folder on free loopback ports, and killed when disposed. A missing binary fails the test.
    /// </summary>
    internal sealed class ExternalProxy : IDisposable
    {
        public const string HAProxy = "/usr/sbin/haproxy";
        public const string Nginx = "/usr/sbin/nginx";
        public const string NginxStreamModule = "/usr/lib/nginx/modules/ngx_stream_module.so";
        private readonly Process _process;

        private ExternalProxy(Process process, string folder)
        {
            _process = process;
            Folder = folder;
        }

        public string Folder { get; }

        /// <summary>Starts <paramref name="binary"/> with the config <paramref name="makeConfig"/> writes for the folder, and waits until <paramref name="listens"/> accept connections.</summary>
        public static async Task<ExternalProxy> StartAsync(string binary, Func<string, string> makeConfig, Func<string, string> arguments, params IPEndPoint[] listens)
        {
            Assert.True(File.Exists(binary), $"{binary} is not installed: apt-get install -y haproxy nginx libnginx-mod-stream (CI installs them).");
            string folder = Path.Combine(Path.GetTempPath(), "tcplb-peer-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, "peer.conf"), makeConfig(folder));
            var info = new ProcessStartInfo(binary, arguments(folder))
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = folder,
            };
            Process process = Process.Start(info)!;
            var peer = new ExternalProxy(process, folder);
            var output = new System.Text.StringBuilder();
            process.OutputDataReceived += (s, e) => { lock (output) { output.AppendLine(e.Data); } };
            process.ErrorDataReceived += (s, e) => { lock (output) { output.AppendLine(e.Data); } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                foreach (IPEndPoint endPoint in listens)
                {
                    await WaitForListenerAsync(endPoint, process, () => { lock (output) { return output.ToString(); } });
                }
            }
            catch
            {
                peer.Dispose();
                throw;
            }
            return peer;
        }

        /// <summary>A loopback port that was free a moment ago.</summary>
        public static int FreePort(IPAddress address)
        {
            using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(address, 0));
            return ((IPEndPoint)socket.LocalEndPoint!).Port;
        }

        private static async Task WaitForListenerAsync(IPEndPoint endPoint, Process process, Func<string> output)
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                if (process.HasExited)
                {
                    Assert.Fail($"The peer exited ({process.ExitCode}) before listening on {endPoint}: {output()}");
                }
                using (var probe = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp))
                {
                    try
                    {
                        await probe.ConnectAsync(endPoint);
                        return;
                    }
                    catch (SocketException)
                    {
                    }
                }
                Assert.True(deadline.Elapsed < TestNet.Patience, $"The peer did not listen on {endPoint} in time: {output()}");
                await Task.Delay(50);
            }
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
            try
            {
                Directory.Delete(Folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
