using System.IO;
using System.Linq;
using static TcpLb.HelpBuilder.Tests.TestDocs;

namespace TcpLb.HelpBuilder.Tests
{
    /// <summary>module/en-US/about_TcpLbModule.help.txt, the classic about_ topic Get-Help shows.</summary>
    public class AboutTopicTests
    {
        private static string AboutFile => Path.Combine(RepoRoot(), "module", "en-US", "about_TcpLbModule.help.txt");

        private static string[] Lines => File.ReadAllLines(AboutFile);

        [Fact]
        public void HasTheClassicSectionsInOrder()
        {
            string[] headings = Lines.Where(l => l.Length > 0 && !char.IsWhiteSpace(l[0])).ToArray();
            Assert.Equal(new[] { "TOPIC", "SHORT DESCRIPTION", "LONG DESCRIPTION", "EXAMPLES", "SEE ALSO" }, headings);
            Assert.Equal("    about_TcpLbModule", Lines[1]);
        }

        [Fact]
        public void FitsAnEightyColumnConsole()
        {
            Assert.All(Lines.Select((l, i) => (l, i)), x => Assert.True(x.l.Length <= 80, $"line {x.i + 1} is {x.l.Length} characters"));
            Assert.DoesNotContain(Lines, l => l.Contains('\t'));
        }

        /// <summary>The topics the README's feature sections moved to: the same shape and width as the main one.</summary>
        [Theory]
        [InlineData("about_TcpLbModule_Algorithms")]
        [InlineData("about_TcpLbModule_Detached")]
        [InlineData("about_TcpLbModule_Export")]
        [InlineData("about_TcpLbModule_FaultTolerance")]
        [InlineData("about_TcpLbModule_Security")]
        [InlineData("about_TcpLbModule_Toxics")]
        public void EveryTopicHasTheClassicShapeAndFitsEightyColumns(string topic)
        {
            string[] lines = File.ReadAllLines(Path.Combine(RepoRoot(), "module", "en-US", topic + ".help.txt"));
            string[] headings = lines.Where(l => l.Length > 0 && !char.IsWhiteSpace(l[0])).ToArray();
            Assert.Equal(new[] { "TOPIC", "SHORT DESCRIPTION", "LONG DESCRIPTION", "EXAMPLES", "SEE ALSO" }, headings);
            Assert.Equal("    " + topic, lines[1]);
            Assert.All(lines.Select((l, i) => (l, i)), x => Assert.True(x.l.Length <= 80, $"{topic} line {x.i + 1} is {x.l.Length} characters"));
            Assert.DoesNotContain(lines, l => l.Contains('\t'));
            Assert.DoesNotContain(lines, l => l.Contains("README"));
        }

        /// <summary>Every about topic the module ships, those of other shapes too (the configuration topic has a NOTE).</summary>
        [Fact]
        public void EveryShippedTopicFitsEightyColumns()
        {
            string[] files = Directory.GetFiles(Path.Combine(RepoRoot(), "module", "en-US"), "about_*.help.txt");
            Assert.True(files.Length >= 8, $"found {files.Length} about topics");
            foreach (string file in files)
            {
                string[] lines = File.ReadAllLines(file);
                Assert.All(lines.Select((l, i) => (l, i)), x => Assert.True(x.l.Length <= 80, $"{Path.GetFileName(file)} line {x.i + 1} is {x.l.Length} characters"));
                Assert.DoesNotContain(lines, l => l.Contains('\t'));
            }
        }

        [Theory]
        [InlineData("Start-TcpBackend")]
        [InlineData("Start-TcpBalancer")]
        [InlineData("Invoke-TcpProbe")]
        [InlineData("THE JOBS MODEL")]
        [InlineData("WALKTHROUGH")]
        [InlineData("USING IT IN CI")]
        [InlineData("finally")]
        [InlineData("BAD INPUT")]
        [InlineData("$backends = 8088, 8077, 8070 | Start-TcpBackend")]
        [InlineData("Get-Job | Stop-Job; Get-Job | Remove-Job")]
        public void CoversTheTopic(string text)
        {
            Assert.Contains(text, File.ReadAllText(AboutFile));
        }
    }
}
