using System.Collections.Generic;
using System.Linq;
using static TcpLbModule.Tests.ModuleSession;

namespace TcpLbModule.Tests
{
    /// <summary>Get-Help reads the MAML the build makes from docs/.</summary>
    public class HelpTests
    {
        /// <summary>A floor for the export list, so that a module that exports nothing cannot pass.</summary>
        private static readonly string[] KnownCmdlets =
        {
            "Start-TcpBackend", "Start-TcpBalancer", "Invoke-TcpProbe", "Stop-TcpBalancer", "Get-TcpBalancerBackend",
            "Add-TcpBalancerBackend", "Remove-TcpBalancerBackend", "Disable-TcpBalancerBackend", "Enable-TcpBalancerBackend",
            "Wait-TcpBalancerBackend", "Set-TcpBackend",
        };

        [Fact]
        public void Every_exported_cmdlet_has_a_synopsis_examples_and_documented_parameters()
        {
            using var session = new ModuleSession();

            var cmdlets = session.Run("Get-Command -Module TcpLbModule -CommandType Cmdlet | ForEach-Object { $_.Name }")
                .Select(c => (string)c.BaseObject)
                .OrderBy(c => c)
                .ToArray();
            Assert.Superset(new HashSet<string>(KnownCmdlets), new HashSet<string>(cmdlets));

            // Every cmdlet is checked and every problem reported, so one run lists all the help to fix.
            var problems = new List<string>();
            foreach (string cmdlet in cmdlets)
            {
                var help = session.Run("Get-Help $args[0] -Full", cmdlet);
                string synopsis = help.Count == 1 ? ((string?)Prop(help[0], "Synopsis") ?? "").Trim() : "";
                int examples = session.Run("@((Get-Help $args[0] -Full).examples.example).Count", cmdlet).Single().BaseObject is int n ? n : 0;
                var documented = session.Run("(Get-Help $args[0] -Full).parameters.parameter | ForEach-Object { $_.name }", cmdlet).Select(p => (string)p.BaseObject).OrderBy(p => p).ToArray();
                var declared = session.Run("(Get-Command $args[0]).Parameters.Keys | Where-Object { $_ -notin [System.Management.Automation.PSCmdlet]::CommonParameters }", cmdlet).Select(p => (string)p.BaseObject).OrderBy(p => p).ToArray();

                if (help.Count != 1)
                {
                    problems.Add($"{cmdlet}: Get-Help returned {help.Count} objects, not 1.");
                }
                if (string.IsNullOrWhiteSpace(synopsis))
                {
                    problems.Add($"{cmdlet}: the synopsis is empty.");
                }
                else if (synopsis.StartsWith(cmdlet + " "))
                {
                    problems.Add($"{cmdlet}: the synopsis is PowerShell's generated syntax: no MAML help was found (docs/{cmdlet}.md is missing or not built).");
                }
                if (examples < 3)
                {
                    problems.Add($"{cmdlet}: {examples} examples; write at least 3.");
                }
                var undocumented = declared.Except(documented).ToArray();
                var stale = documented.Except(declared).ToArray();
                if (undocumented.Length > 0)
                {
                    problems.Add($"{cmdlet}: declared but not documented: {string.Join(", ", undocumented)}.");
                }
                if (stale.Length > 0)
                {
                    problems.Add($"{cmdlet}: documented but not declared: {string.Join(", ", stale)}.");
                }
            }

            Assert.True(problems.Count == 0, $"Help problems in {cmdlets.Length} cmdlets:\n" + string.Join("\n", problems));
        }

        [Fact]
        public void The_about_topic_is_found()
        {
            using var session = new ModuleSession();

            string text = string.Join("\n", session.Run("Get-Help about_TcpLbModule | ForEach-Object { $_ }").Select(o => o.ToString()));

            Assert.Contains("Start-TcpBalancer", text);
            Assert.Contains("Invoke-TcpProbe", text);
        }
    }
}
