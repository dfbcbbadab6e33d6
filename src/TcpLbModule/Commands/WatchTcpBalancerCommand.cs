using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using TcpLb.Dashboard.Status;
using TcpLbModule.Dashboard;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// Watch-TcpBalancer: redraws a compact table of every balancer's backends (state, rates,
    /// totals) every -Interval until Ctrl+C, or -Count frames.
    /// </summary>
    [Cmdlet("Watch", "TcpBalancer", HelpUri = HelpLinks.Docs + "Watch-TcpBalancer.md")]
    [OutputType(typeof(void))]
    public sealed class WatchTcpBalancerCommand : PSCmdlet, IDisposable
    {
        private const string ClearScreen = "\u001b[H\u001b[2J";
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();

        /// <summary>Only the balancers (job names) that match these wildcards.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string[]? Name { get; set; }

        /// <summary>Time between frames (a bare number is milliseconds).</summary>
        [Parameter]
        [ValidateRange(100, 3_600_000)]
        [Duration]
        public int Interval { get; set; } = 1000;

        /// <summary>Frames to draw before returning; 0 (the default): until Ctrl+C.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int Count { get; set; }

        protected override void EndProcessing()
        {
            var patterns = new List<WildcardPattern>();
            Array.ForEach(Name ?? new string[0], n => patterns.Add(new WildcardPattern(n, WildcardOptions.IgnoreCase)));
            var table = new WatchTable(new JobBalancerCatalog(JobRepository, null));
            bool redraw = Host.UI.SupportsVirtualTerminal && !Console.IsOutputRedirected;
            for (int frame = 1; Count == 0 || frame <= Count; frame++)
            {
                IReadOnlyList<string> lines = table.Render(patterns.Count == 0 ? null : (Func<string, bool>)(n => patterns.Exists(p => p.IsMatch(n))));
                string header = $"Watch-TcpBalancer  {DateTime.Now:HH:mm:ss}  every {Interval} ms{(Count == 0 ? ", Ctrl+C to stop" : "")}";
                WriteHost((redraw ? ClearScreen : "") + header + Environment.NewLine + string.Join(Environment.NewLine, lines) + Environment.NewLine);
                if ((Count != 0 && frame == Count) || _stop.Token.WaitHandle.WaitOne(Interval))
                {
                    return;
                }
            }
        }

        protected override void StopProcessing() => _stop.Cancel();

        public void Dispose() => _stop.Dispose();

        /// <summary>As Write-Host does: the information stream, tagged PSHOST, so the host shows it and 6>&amp;1 captures it.</summary>
        private void WriteHost(string text)
            => WriteInformation(new HostInformationMessage { Message = text, NoNewLine = true }, new[] { "PSHOST" });
    }
}
