using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;

namespace TcpLbModule.Detached
{
    /// <summary>
    /// The detached servers one Start-* call starts: begun side by side, then waited for; when
    /// one fails (or the call is stopped), the others are ended too, so nothing is half-started.
    /// </summary>
    internal sealed class DetachedStartBatch : IDisposable
    {
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly List<DetachedServerLauncher> _pending = new List<DetachedServerLauncher>();
        private readonly List<DetachedTcpServer> _ready = new List<DetachedTcpServer>();

        public void Begin(PSCmdlet cmdlet, string command, Hashtable parameters, string? name, string what)
        {
            try
            {
                _pending.Add(DetachedServerLauncher.Begin(cmdlet, command, parameters, name, what));
            }
            catch
            {
                EndAll();
                throw;
            }
        }

        /// <summary>Waits for every server and writes each, or ends them all and fails with the first error.</summary>
        public void WaitAll(PSCmdlet cmdlet)
        {
            try
            {
                while (_pending.Count > 0)
                {
                    DetachedServerLauncher next = _pending[0];
                    _pending.RemoveAt(0);
                    _ready.Add(next.WaitUntilReady(cmdlet, _stop.Token));
                }
            }
            catch
            {
                EndAll();
                throw;
            }
            _ready.ForEach(cmdlet.WriteObject);
        }

        /// <summary>For the cmdlet's StopProcessing (Ctrl+C): stop waiting and end every child.</summary>
        public void Stop() => _stop.Cancel();

        public void Dispose() => _stop.Dispose();

        private void EndAll()
        {
            _pending.ForEach(l => l.Abandon());
            _pending.Clear();
            foreach (DetachedTcpServer server in _ready)
            {
                DetachedProcess.Kill(server.Pid);
                DetachedProcess.WaitForExit(server.Pid, TimeSpan.FromSeconds(10));
                DetachedServerRegistry.Forget(server.Entry);
            }
            _ready.Clear();
        }
    }
}
