using System.Linq;
using static TcpLbModule.Tests.ModuleSession;

namespace TcpLbModule.Tests
{
    /// <summary>Get-Help reads the MAML the build makes from docs/.</summary>
    public class HelpTests
    {
        [Theory]
        [InlineData("Start-TcpBackend")]
        [InlineData("Start-TcpBalancer")]
        [InlineData("Invoke-TcpProbe")]
        public void Every_cmdlet_has_a_synopsis_examples_and_documented_parameters(string cmdlet)
        {
            using var session = new ModuleSession();

            var help = session.Run("Get-Help $args[0] -Full", cmdlet).Single();
            string synopsis = ((string)Prop(help, "Synopsis")!).Trim();
            int examples = session.Run("@((Get-Help $args[0] -Full).examples.example).Count", cmdlet).Single().BaseObject is int n ? n : 0;
            var documented = session.Run("(Get-Help $args[0] -Full).parameters.parameter | ForEach-Object { $_.name }", cmdlet).Select(p => (string)p.BaseObject).ToArray();
            var declared = session.Run("(Get-Command $args[0]).Parameters.Keys | Where-Object { $_ -notin [System.Management.Automation.PSCmdlet]::CommonParameters }", cmdlet).Select(p => (string)p.BaseObject).ToArray();

            Assert.False(string.IsNullOrWhiteSpace(synopsis));
            Assert.False(synopsis.StartsWith(cmdlet + " "), "The synopsis is PowerShell's generated syntax: no MAML help was found.");
            Assert.True(examples >= 3, $"{cmdlet} has {examples} examples");
            Assert.Equal(declared.OrderBy(p => p), documented.OrderBy(p => p));
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
