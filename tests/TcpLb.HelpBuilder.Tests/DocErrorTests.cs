using System.Collections.Generic;
using System.Linq;
using static TcpLb.HelpBuilder.Tests.TestDocs;

namespace TcpLb.HelpBuilder.Tests
{
    /// <summary>A broken doc is an error that names the file, the line where it can, and the section.</summary>
    public class DocErrorTests
    {
        private const string File = "/docs/Get-Widget.md";

        private static HelpDiagnostic SingleError(string markdown)
        {
            var (command, errors) = Read(markdown, File);
            Assert.Null(command);
            return Assert.Single(errors);
        }

        [Fact]
        public void TheSampleHasNoErrors()
        {
            var (command, errors) = Read(Sample, File);
            Assert.Empty(errors);
            Assert.NotNull(command);
        }

        [Fact]
        public void MissingSynopsisNamesTheFileAndTheSection()
        {
            HelpDiagnostic error = SingleError(SampleWith("## SYNOPSIS\nGets widgets.\n\n", ""));
            Assert.Equal(File, error.File);
            Assert.Equal("SYNOPSIS", error.Section);
            Assert.Contains("missing", error.Message);
            Assert.StartsWith(File + ": error TCPLBHELP: [SYNOPSIS]", error.ToString());
        }

        [Theory]
        [InlineData("## DESCRIPTION\n", "DESCRIPTION")]
        [InlineData("## NOTES\n", "NOTES")]
        [InlineData("## RELATED LINKS\n", "RELATED LINKS")]
        public void EveryRequiredSectionIsChecked(string heading, string section)
        {
            // Renaming the heading drops the section and adds an unknown one: two errors, both named.
            var (_, errors) = Read(SampleWith(heading, "## SOMETHING ELSE\n"), File);
            Assert.Contains(errors, e => e.Section == section && e.Message.Contains("missing"));
            Assert.Contains(errors, e => e.Section == "SOMETHING ELSE" && e.Message.Contains("unknown section"));
        }

        [Fact]
        public void EmptySynopsisIsAnError()
        {
            HelpDiagnostic error = SingleError(SampleWith("## SYNOPSIS\nGets widgets.\n", "## SYNOPSIS\n"));
            Assert.Equal("SYNOPSIS", error.Section);
            Assert.Equal(LineOf(Sample, "## SYNOPSIS"), error.Line);
        }

        [Fact]
        public void MissingFrontMatterIsAnError()
        {
            string markdown = Sample.Substring(Sample.IndexOf("# Get-Widget", System.StringComparison.Ordinal));
            HelpDiagnostic error = SingleError(markdown);
            Assert.Equal("front matter", error.Section);
        }

        [Fact]
        public void WrongSchemaIsAnError()
        {
            HelpDiagnostic error = SingleError(SampleWith("schema: 2.0.0", "schema: 1.0.0"));
            Assert.Equal("front matter", error.Section);
            Assert.Contains("2.0.0", error.Message);
        }

        [Fact]
        public void CommandNameMustMatchTheFileName()
        {
            var (_, errors) = Read(Sample, "/docs/Get-Gadget.md");
            HelpDiagnostic error = Assert.Single(errors);
            Assert.Equal("command name", error.Section);
            Assert.Contains("Get-Widget.md", error.Message);
        }

        [Fact]
        public void SectionsOutOfOrderAreAnError()
        {
            string markdown = SampleWith("## NOTES\nWidgets are fictional.\n\n", "")
                .Replace("## SYNOPSIS\n", "## NOTES\nWidgets are fictional.\n\n## SYNOPSIS\n", System.StringComparison.Ordinal);
            HelpDiagnostic error = SingleError(markdown);
            Assert.Equal("SYNOPSIS", error.Section);
            Assert.Contains("out of order", error.Message);
        }

        public static IEnumerable<object[]> MalformedYaml => new[]
        {
            new object[] { "Required: True\nPosition: 0", "Required: Maybe\nPosition: 0", "Required: Maybe", "'Required: Maybe' is not valid" },
            new object[] { "Position: 0\n", "Position: first\n", "Position: first", "'Position: first' is not valid" },
            new object[] { "Accept pipeline input: True (ByPropertyName, ByValue)", "Accept pipeline input: Yes", "Accept pipeline input: Yes", "is not valid" },
            new object[] { "Accept pipeline input: True (ByPropertyName, ByValue)", "Accept pipeline input: True (ByMagic)", "ByMagic", "is not valid" },
            new object[] { "Accept wildcard characters: True", "Accept wildcard characters: Sometimes", "Sometimes", "use True or False" },
            new object[] { "Type: String[]\n", "Type: String[]\nColour: Red\n", "Colour: Red", "unknown key 'Colour'" },
            new object[] { "Type: String[]\n", "Type String[]\n", "Type String[]", "expected 'key: value'" },
            new object[] { "Type: String[]\n", "Type: String[]\nType: Int32\n", "Type: Int32", "given twice" },
        };

        [Theory]
        [MemberData(nameof(MalformedYaml))]
        public void MalformedParameterYamlNamesTheParameterAndTheLine(string oldText, string newText, string badLine, string message)
        {
            // Break the -Name block (the last yaml block of the sample) only.
            int start = Sample.IndexOf("### -Name", System.StringComparison.Ordinal);
            string markdown = Sample.Substring(0, start) + ReplaceFirst(Sample.Substring(start), oldText, newText);

            var (command, errors) = Read(markdown, File);
            Assert.Null(command);
            Assert.NotEmpty(errors);
            Assert.All(errors, e => Assert.Equal(File, e.File));
            Assert.All(errors, e => Assert.Equal("PARAMETERS -Name", e.Section));
            HelpDiagnostic error = Assert.Single(errors, e => e.Message.Contains(message, System.StringComparison.Ordinal));
            Assert.Equal(LineOf(markdown, badLine, after: "### -Name"), error.Line);
            Assert.StartsWith($"{File}({error.Line}): error TCPLBHELP: [PARAMETERS -Name] yaml:", error.ToString());
        }

        [Fact]
        public void MissingYamlKeyIsAnError()
        {
            int start = Sample.IndexOf("### -Id", System.StringComparison.Ordinal);
            string markdown = Sample.Substring(0, start) + ReplaceFirst(Sample.Substring(start), "Position: Named\n", "");
            HelpDiagnostic error = SingleError(markdown);
            Assert.Equal("PARAMETERS -Id", error.Section);
            Assert.Contains("'Position:' is missing", error.Message);
        }

        [Fact]
        public void ParameterWithoutYamlIsAnError()
        {
            string markdown = SampleWith(
                "### CommonParameters",
                "### -Extra\nAn undocumented parameter.\n\n### CommonParameters");
            var (_, errors) = Read(markdown, File);
            Assert.Contains(errors, e => e.Section == "PARAMETERS -Extra" && e.Message.Contains("no ```yaml block"));
        }

        [Fact]
        public void ParameterMissingFromSyntaxIsAnError()
        {
            HelpDiagnostic error = SingleError(SampleWith("Get-Widget -Id <Int32> [-Force] [<CommonParameters>]", "Get-Widget -Id <Int32> [<CommonParameters>]"));
            Assert.Equal("SYNTAX ById", error.Section);
            Assert.Contains("-Force is in PARAMETERS (set ById) but not in the syntax", error.Message);
            Assert.Equal(LineOf(Sample, "Get-Widget -Id <Int32>"), error.Line);
        }

        [Fact]
        public void SyntaxParameterMissingFromParametersIsAnError()
        {
            HelpDiagnostic error = SingleError(SampleWith("[-Force] [<CommonParameters>]\n```\n\n### ById", "[-Force] [-Verbose2] [<CommonParameters>]\n```\n\n### ById"));
            Assert.Equal("SYNTAX ByName", error.Section);
            Assert.Contains("-Verbose2", error.Message);
        }

        [Theory]
        [InlineData("Get-Widget -Id <Int32> [-Force]", "Get-Widget [-Id <Int32>] [-Force]", "-Id is optional in the syntax but 'Required: True' in PARAMETERS")]
        [InlineData("Get-Widget -Id <Int32> [-Force]", "Get-Widget [-Id] <Int32> [-Force]", "-Id is positional in the syntax but 'Position: Named' in PARAMETERS")]
        [InlineData("Get-Widget -Id <Int32> [-Force]", "Get-Widget -Id <String> [-Force]", "-Id shows type 'String' in the syntax but 'Type: Int32' in PARAMETERS")]
        [InlineData("Get-Widget -Id <Int32> [-Force] [<CommonParameters>]", "Get-Widget -Id <Int32> [-Force]", "the syntax does not end with [<CommonParameters>]")]
        [InlineData("Get-Widget -Id <Int32> [-Force]", "Get-Gadget -Id <Int32> [-Force]", "starts with 'Get-Gadget'")]
        public void SyntaxThatDisagreesWithParametersIsAnError(string oldText, string newText, string message)
        {
            HelpDiagnostic error = SingleError(SampleWith(oldText, newText));
            Assert.Equal("SYNTAX ById", error.Section);
            Assert.Contains(message, error.Message, System.StringComparison.Ordinal);
        }

        [Fact]
        public void SyntaxSetWithoutParametersIsAnError()
        {
            var (_, errors) = Read(SampleWith("### ById", "### ByColor"), File);
            Assert.Contains(errors, e => e.Section == "SYNTAX" && e.Message.Contains("'ById'", System.StringComparison.Ordinal));
            Assert.Contains(errors, e => e.Section == "SYNTAX ByColor");
        }

        [Fact]
        public void ExampleWithoutCodeIsAnError()
        {
            HelpDiagnostic error = SingleError(SampleWith("```powershell\nPS C:\\> Get-Widget -Name Sprocket\n```\n", ""));
            Assert.Equal("EXAMPLES Example 1: Get a widget by name", error.Section);
        }

        [Fact]
        public void RelatedLinksMustBeLinks()
        {
            HelpDiagnostic error = SingleError(SampleWith("[Set-Widget](Set-Widget.md)", "See Set-Widget."));
            Assert.Equal("RELATED LINKS", error.Section);
        }

        [Fact]
        public void ErrorsAreReportedTogether()
        {
            string markdown = SampleWith("## SYNOPSIS\nGets widgets.\n\n", "").Replace("Required: True\nPosition: 0", "Required: Maybe\nPosition: 0", System.StringComparison.Ordinal);
            var (_, errors) = Read(markdown, File);
            Assert.Contains(errors, e => e.Section == "SYNOPSIS");
            Assert.Contains(errors, e => e.Section == "PARAMETERS -Name");
            Assert.All(errors, e => Assert.Equal(File, e.File));
        }

        private static string ReplaceFirst(string text, string oldText, string newText)
        {
            int index = text.IndexOf(oldText, System.StringComparison.Ordinal);
            Assert.True(index >= 0, $"'{oldText}' not found");
            return text.Substring(0, index) + newText + text.Substring(index + oldText.Length);
        }
    }
}
