using System.IO;
using System.Xml.Linq;
using static TcpLb.HelpBuilder.Tests.TestDocs;

namespace TcpLb.HelpBuilder.Tests
{
    /// <summary>The command line: convert, --check, exit codes, and no output when a doc is broken.</summary>
    public class ProgramTests
    {
        private static (int ExitCode, string Output, string Error) Run(params string[] args)
        {
            var output = new StringWriter();
            var error = new StringWriter();
            int exitCode = Program.Run(args, output, error);
            return (exitCode, output.ToString(), error.ToString());
        }

        [Fact]
        public void ConvertWritesOneMamlFileForAllDocs()
        {
            using var temp = new TempDir();
            temp.Write("Get-Widget.md", Sample);
            temp.Write("about_Widgets.md", "# about_Widgets\n\nNot a cmdlet doc; skipped.\n");
            string outputPath = Path.Combine(temp.Path, "out", "Sample.dll-Help.xml");

            var (exitCode, output, error) = Run(temp.Path, outputPath);

            Assert.True(exitCode == Program.Success, error);
            Assert.Contains("1 command(s)", output);
            XDocument maml = XDocument.Load(outputPath);
            Assert.Equal("Get-Widget", Single(Single(Single(maml.Root!, Command + "command"), Command + "details"), Command + "name").Value);
        }

        [Fact]
        public void ConvertLeavesAnUnchangedFileAlone()
        {
            using var temp = new TempDir();
            temp.Write("Get-Widget.md", Sample);
            string outputPath = Path.Combine(temp.Path, "Sample.dll-Help.xml");

            Assert.Equal(Program.Success, Run(temp.Path, outputPath).ExitCode);
            string first = File.ReadAllText(outputPath);
            var (exitCode, output, _) = Run(temp.Path, outputPath);

            Assert.Equal(Program.Success, exitCode);
            Assert.Contains("(unchanged)", output);
            Assert.Equal(first, File.ReadAllText(outputPath));
        }

        [Fact]
        public void OutputIsUtf8WithoutBomAndDeterministic()
        {
            using var temp = new TempDir();
            temp.Write("Get-Widget.md", Sample);
            string a = Path.Combine(temp.Path, "a.xml");
            string b = Path.Combine(temp.Path, "b.xml");
            Run(temp.Path, a);
            Run(temp.Path, b);

            byte[] bytes = File.ReadAllBytes(a);
            Assert.Equal((byte)'<', bytes[0]);
            Assert.Equal(bytes, File.ReadAllBytes(b));
            Assert.StartsWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<helpItems schema=\"maml\" xmlns=\"http://msh\">", File.ReadAllText(a));
        }

        [Fact]
        public void CheckReportsValidDocsWithoutWriting()
        {
            using var temp = new TempDir();
            temp.Write("Get-Widget.md", Sample);

            var (exitCode, output, _) = Run("--check", temp.Path);

            Assert.Equal(Program.Success, exitCode);
            Assert.Contains("1 doc(s)", output);
            Assert.Single(Directory.GetFiles(temp.Path));
        }

        [Fact]
        public void ABrokenDocFailsWithFileAndSectionAndWritesNothing()
        {
            using var temp = new TempDir();
            temp.Write("Get-Widget.md", Sample);
            string broken = temp.Write("Get-Gadget.md", SampleWith("## SYNOPSIS\nGets widgets.\n\n", "").Replace("Get-Widget", "Get-Gadget", System.StringComparison.Ordinal));
            string outputPath = Path.Combine(temp.Path, "Sample.dll-Help.xml");

            var (exitCode, _, error) = Run(temp.Path, outputPath);

            Assert.Equal(Program.DocErrors, exitCode);
            Assert.Contains($"{broken}: error TCPLBHELP: [SYNOPSIS]", error);
            Assert.False(File.Exists(outputPath));

            Assert.Equal(Program.DocErrors, Run("--check", temp.Path).ExitCode);
        }

        [Fact]
        public void AFolderWithoutDocsIsAnError()
        {
            using var temp = new TempDir();
            var (exitCode, _, error) = Run("--check", temp.Path);
            Assert.Equal(Program.DocErrors, exitCode);
            Assert.Contains("no cmdlet docs", error);
        }

        [Theory]
        [InlineData]
        [InlineData("docs")]
        [InlineData("--check")]
        [InlineData("--bogus", "docs")]
        [InlineData("a", "b", "c")]
        public void BadCommandLineShowsUsage(params string[] args)
        {
            var (exitCode, _, error) = Run(args);
            Assert.Equal(Program.UsageError, exitCode);
            Assert.Contains("usage:", error);
        }
    }
}
