using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Xml.Linq;

namespace TcpLb.HelpBuilder.Tests
{
    /// <summary>A small platyPS-schema sample doc, MAML namespaces, and file helpers for the tests.</summary>
    internal static class TestDocs
    {
        public static readonly XNamespace Msh = "http://msh";
        public static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
        public static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        public static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

        /// <summary>
        /// Two parameter sets (ByName is the default), a positional pipeline parameter, a switch,
        /// an enum with accepted values, an alias, two examples, an online version and links.
        /// </summary>
        public const string Sample = """
            ---
            external help file: Sample.dll-Help.xml
            Module Name: Sample
            online version: https://example.com/Get-Widget
            schema: 2.0.0
            ---

            # Get-Widget

            ## SYNOPSIS
            Gets widgets.

            ## SYNTAX

            ### ByName (Default)
            ```
            Get-Widget [-Name] <String[]> [-Color <WidgetColor>] [-Force] [<CommonParameters>]
            ```

            ### ById
            ```
            Get-Widget -Id <Int32> [-Force] [<CommonParameters>]
            ```

            ## DESCRIPTION
            The `Get-Widget` cmdlet gets **widgets**
            from the store.

            A second paragraph with a [link](https://example.com/widgets).

            ## EXAMPLES

            ### Example 1: Get a widget by name
            ```powershell
            PS C:\> Get-Widget -Name Sprocket
            ```

            Gets the widget named Sprocket.

            ### Example 2: Get a widget by id
            ```powershell
            PS C:\> Get-Widget -Id 42 -Force
            ```

            ```Output
            Name     Id
            ----     --
            Sprocket 42
            ```

            Gets widget 42, even when it is hidden.

            ## PARAMETERS

            ### -Color
            The color of the widgets to get.

            ```yaml
            Type: WidgetColor
            Parameter Sets: ByName
            Aliases: Colour
            Accepted values: Red, Green, Blue

            Required: False
            Position: Named
            Default value: Red
            Accept pipeline input: False
            Accept wildcard characters: False
            ```

            ### -Force
            Gets hidden widgets too.

            ```yaml
            Type: SwitchParameter
            Parameter Sets: (All)
            Aliases:

            Required: False
            Position: Named
            Default value: None
            Accept pipeline input: False
            Accept wildcard characters: False
            ```

            ### -Id
            The id of the widget.

            ```yaml
            Type: Int32
            Parameter Sets: ById
            Aliases:

            Required: True
            Position: Named
            Default value: None
            Accept pipeline input: True (ByPropertyName)
            Accept wildcard characters: False
            ```

            ### -Name
            The names of the widgets.
            Wildcards are permitted.

            ```yaml
            Type: String[]
            Parameter Sets: ByName
            Aliases:

            Required: True
            Position: 0
            Default value: None
            Accept pipeline input: True (ByPropertyName, ByValue)
            Accept wildcard characters: True
            ```

            ### CommonParameters
            This cmdlet supports the common parameters. For more information, see [about_CommonParameters](http://go.microsoft.com/fwlink/?LinkID=113216).

            ## INPUTS

            ### System.String[]
            Widget names.

            ## OUTPUTS

            ### Sample.Widget
            One object per widget.

            ## NOTES
            Widgets are fictional.

            ## RELATED LINKS

            [Set-Widget](Set-Widget.md)

            [Widgets online](https://example.com/widgets)
            """;

        /// <summary>The sample with one exact piece of text replaced (which must be there).</summary>
        public static string SampleWith(string oldText, string newText)
        {
            Assert.Contains(oldText, Sample, StringComparison.Ordinal);
            return Sample.Replace(oldText, newText, StringComparison.Ordinal);
        }

        /// <summary>1-based line of the first line of <see cref="Sample"/>-like text that contains the given text.</summary>
        public static int LineOf(string markdown, string text, string? after = null)
        {
            string[] lines = markdown.Replace("\r\n", "\n").Split('\n');
            int from = after == null ? 0 : Array.FindIndex(lines, l => l.Contains(after, StringComparison.Ordinal));
            Assert.True(from >= 0, $"'{after}' is not in the doc");
            int index = Array.FindIndex(lines, from, l => l.Contains(text, StringComparison.Ordinal));
            Assert.True(index >= 0, $"'{text}' is not in the doc");
            return index + 1;
        }

        /// <summary>Reads and checks a doc given as text, as the builder reads a file of that name.</summary>
        public static (CommandHelp? Command, List<HelpDiagnostic> Errors) Read(string markdown, string file = "/docs/Get-Widget.md")
        {
            var errors = new List<HelpDiagnostic>();
            CommandHelp? command = HelpBuild.ReadDoc(markdown, file, errors);
            return (command, errors);
        }

        /// <summary>Converts a doc given as text to a MAML document, asserting it has no errors.</summary>
        public static XDocument ToMaml(string markdown, string file = "/docs/Get-Widget.md")
        {
            var (command, errors) = Read(markdown, file);
            Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));
            Assert.NotNull(command);
            return XDocument.Parse(MamlWriter.ToXml(new[] { command! }));
        }

        public static XElement Single(XContainer parent, XName name) => Assert.Single(parent.Elements(name));

        public static List<string> Paras(XElement? parent) =>
            parent == null ? new List<string>() : parent.Elements(Maml + "para").Select(p => p.Value).ToList();

        /// <summary>The repository root: the folder above this test that has docs/ and src/TcpLb.HelpBuilder/.</summary>
        public static string RepoRoot()
        {
            for (DirectoryInfo? dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                if (Directory.Exists(Path.Combine(dir.FullName, "docs")) &&
                    Directory.Exists(Path.Combine(dir.FullName, "src", "TcpLb.HelpBuilder")))
                {
                    return dir.FullName;
                }
            }
            throw new InvalidOperationException("Cannot find the repository root (docs/ and src/TcpLb.HelpBuilder/) above " + AppContext.BaseDirectory);
        }

        public static string DocsDir => Path.Combine(RepoRoot(), "docs");
    }

    /// <summary>A temporary folder, deleted on dispose.</summary>
    internal sealed class TempDir : IDisposable
    {
        public TempDir()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tcplb-helpbuilder-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public string Write(string fileName, string text)
        {
            string file = System.IO.Path.Combine(Path, fileName);
            File.WriteAllText(file, text);
            return file;
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
