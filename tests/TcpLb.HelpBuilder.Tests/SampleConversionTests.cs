using System.Linq;
using System.Xml.Linq;
using static TcpLb.HelpBuilder.Tests.TestDocs;

namespace TcpLb.HelpBuilder.Tests
{
    /// <summary>The sample doc converted to MAML: every part lands where platyPS puts it.</summary>
    public class SampleConversionTests
    {
        private static readonly XDocument Maml_ = ToMaml(Sample);

        private static XElement CommandElement => Single(Maml_.Root!, Command + "command");

        private static XElement Parameter(string name) =>
            Single(CommandElement, Command + "parameters").Elements(Command + "parameter")
                .Single(p => p.Element(Maml + "name")!.Value == name);

        [Fact]
        public void RootIsHelpItemsWithMamlSchema()
        {
            Assert.Equal(Msh + "helpItems", Maml_.Root!.Name);
            Assert.Equal("maml", (string?)Maml_.Root.Attribute("schema"));
            Assert.Equal("1.0", Maml_.Declaration!.Version);
            Assert.Equal("utf-8", Maml_.Declaration.Encoding);
        }

        [Fact]
        public void CommandDeclaresTheMamlPrefixes()
        {
            XElement command = CommandElement;
            Assert.Equal(Maml.NamespaceName, (string?)command.Attribute(XNamespace.Xmlns + "maml"));
            Assert.Equal(Command.NamespaceName, (string?)command.Attribute(XNamespace.Xmlns + "command"));
            Assert.Equal(Dev.NamespaceName, (string?)command.Attribute(XNamespace.Xmlns + "dev"));
            Assert.Equal("http://msdn.microsoft.com/mshelp", (string?)command.Attribute(XNamespace.Xmlns + "MSHelp"));
        }

        [Fact]
        public void CommandChildrenComeInPlatyPSOrder()
        {
            string[] expected =
            {
                "details", "description", "syntax", "parameters", "inputTypes", "returnValues", "alertSet", "examples", "relatedLinks",
            };
            Assert.Equal(expected, CommandElement.Elements().Select(e => e.Name.LocalName).ToArray());
        }

        [Fact]
        public void DetailsHaveNameVerbNounAndSynopsis()
        {
            XElement details = Single(CommandElement, Command + "details");
            Assert.Equal("Get-Widget", Single(details, Command + "name").Value);
            Assert.Equal("Get", Single(details, Command + "verb").Value);
            Assert.Equal("Widget", Single(details, Command + "noun").Value);
            Assert.Equal(new[] { "Gets widgets." }, Paras(details.Element(Maml + "description")));
        }

        [Fact]
        public void DescriptionIsOneParaPerParagraph()
        {
            Assert.Equal(
                new[]
                {
                    "The `Get-Widget` cmdlet gets widgets from the store.",
                    "A second paragraph with a link (https://example.com/widgets).",
                },
                Paras(CommandElement.Element(Maml + "description")));
        }

        [Fact]
        public void ParametersAreListedOnceEachInDocumentOrder()
        {
            var names = Single(CommandElement, Command + "parameters").Elements(Command + "parameter")
                .Select(p => p.Element(Maml + "name")!.Value).ToArray();
            Assert.Equal(new[] { "Color", "Force", "Id", "Name" }, names);
        }

        [Theory]
        [InlineData("Name", "true", "0", "True (ByPropertyName, ByValue)", "true", "none", "String[]", "None")]
        [InlineData("Id", "true", "named", "True (ByPropertyName)", "false", "none", "Int32", "None")]
        [InlineData("Color", "false", "named", "False", "false", "Colour", "WidgetColor", "Red")]
        [InlineData("Force", "false", "named", "False", "false", "none", "SwitchParameter", "False")]
        public void ParameterHasRequiredPositionPipelineAttributes(
            string name, string required, string position, string pipelineInput, string globbing, string aliases, string type, string defaultValue)
        {
            XElement parameter = Parameter(name);
            Assert.Equal(required, (string?)parameter.Attribute("required"));
            Assert.Equal(position, (string?)parameter.Attribute("position"));
            Assert.Equal(pipelineInput, (string?)parameter.Attribute("pipelineInput"));
            Assert.Equal(globbing, (string?)parameter.Attribute("globbing"));
            Assert.Equal(aliases, (string?)parameter.Attribute("aliases"));
            Assert.Equal("true", (string?)parameter.Attribute("variableLength"));
            Assert.Equal(type, Single(Single(parameter, Dev + "type"), Maml + "name").Value);
            Assert.Equal(type, Single(parameter, Command + "parameterValue").Value);
            Assert.Equal(defaultValue, Single(parameter, Dev + "defaultValue").Value);
            Assert.Null(parameter.Element(Command + "parameterValueGroup"));
        }

        [Fact]
        public void ParameterDescriptionJoinsItsLines()
        {
            Assert.Equal(new[] { "The names of the widgets. Wildcards are permitted." }, Paras(Parameter("Name").Element(Maml + "description")));
        }

        [Fact]
        public void SwitchValueIsNotRequired()
        {
            Assert.Equal("false", (string?)Single(Parameter("Force"), Command + "parameterValue").Attribute("required"));
            Assert.Equal("true", (string?)Single(Parameter("Id"), Command + "parameterValue").Attribute("required"));
        }

        [Fact]
        public void SyntaxHasOneItemPerParameterSetDefaultFirst()
        {
            var items = Single(CommandElement, Command + "syntax").Elements(Command + "syntaxItem").ToList();
            Assert.Equal(2, items.Count);
            Assert.All(items, i => Assert.Equal("Get-Widget", Single(i, Maml + "name").Value));

            string[] Names(XElement item) => item.Elements(Command + "parameter").Select(p => p.Element(Maml + "name")!.Value).ToArray();
            Assert.Equal(new[] { "Name", "Color", "Force" }, Names(items[0])); // positional first, then as documented
            Assert.Equal(new[] { "Force", "Id" }, Names(items[1]));
        }

        [Fact]
        public void SyntaxShowsSwitchWithoutValueAndEnumWithAcceptedValues()
        {
            XElement byName = Single(CommandElement, Command + "syntax").Elements(Command + "syntaxItem").First();
            XElement force = byName.Elements(Command + "parameter").Single(p => p.Element(Maml + "name")!.Value == "Force");
            Assert.Null(force.Element(Command + "parameterValue"));

            XElement color = byName.Elements(Command + "parameter").Single(p => p.Element(Maml + "name")!.Value == "Color");
            XElement group = Single(color, Command + "parameterValueGroup");
            Assert.Equal(new[] { "Red", "Green", "Blue" }, group.Elements(Command + "parameterValue").Select(v => v.Value).ToArray());
            Assert.All(group.Elements(Command + "parameterValue"), v => Assert.Equal("false", (string?)v.Attribute("required")));
        }

        [Fact]
        public void BothExamplesHavePaddedTitleCodeAndRemarks()
        {
            var examples = Single(CommandElement, Command + "examples").Elements(Command + "example").ToList();
            Assert.Equal(2, examples.Count);

            string title1 = Single(examples[0], Maml + "title").Value;
            Assert.Matches("^-+ Example 1: Get a widget by name -+$", title1);
            Assert.InRange(title1.Length, 63, 64);
            Assert.Equal(@"PS C:\> Get-Widget -Name Sprocket", Single(examples[0], Dev + "code").Value);
            Assert.Equal(new[] { "Gets the widget named Sprocket." }, Paras(examples[0].Element(Dev + "remarks")));

            Assert.Matches("^-+ Example 2: Get a widget by id -+$", Single(examples[1], Maml + "title").Value);
            Assert.Equal("PS C:\\> Get-Widget -Id 42 -Force\n\nName     Id\n----     --\nSprocket 42", Single(examples[1], Dev + "code").Value);
            Assert.Equal(new[] { "Gets widget 42, even when it is hidden." }, Paras(examples[1].Element(Dev + "remarks")));
        }

        [Fact]
        public void InputsOutputsAndNotes()
        {
            XElement input = Single(Single(CommandElement, Command + "inputTypes"), Command + "inputType");
            Assert.Equal("System.String[]", input.Element(Dev + "type")!.Element(Maml + "name")!.Value);
            Assert.Equal(new[] { "Widget names." }, Paras(input.Element(Maml + "description")));

            XElement output = Single(Single(CommandElement, Command + "returnValues"), Command + "returnValue");
            Assert.Equal("Sample.Widget", output.Element(Dev + "type")!.Element(Maml + "name")!.Value);

            XElement alert = Single(Single(CommandElement, Maml + "alertSet"), Maml + "alert");
            Assert.Equal(new[] { "Widgets are fictional." }, Paras(alert));
        }

        [Fact]
        public void RelatedLinksStartWithTheOnlineVersionAndKeepOnlyAbsoluteUris()
        {
            var links = Single(CommandElement, Command + "relatedLinks").Elements(Maml + "navigationLink")
                .Select(l => (Text: l.Element(Maml + "linkText")!.Value, Uri: l.Element(Maml + "uri")!.Value))
                .ToArray();
            Assert.Equal(
                new[]
                {
                    ("Online Version:", "https://example.com/Get-Widget"),
                    ("Set-Widget", ""),
                    ("Widgets online", "https://example.com/widgets"),
                },
                links);
        }

        [Fact]
        public void WindowsLineEndingsGiveTheSameMaml()
        {
            var (command, errors) = Read(Sample.Replace("\n", "\r\n", System.StringComparison.Ordinal));
            Assert.Empty(errors);
            Assert.Equal(Maml_.ToString(), XDocument.Parse(MamlWriter.ToXml(new[] { command! })).ToString());
        }

        [Fact]
        public void XmlSpecialCharactersAreEscaped()
        {
            XDocument maml = ToMaml(SampleWith("Widgets are fictional.", "Use <port> & \"quotes\"."));
            XElement alert = Single(Single(Single(maml.Root!, Command + "command"), Maml + "alertSet"), Maml + "alert");
            Assert.Equal(new[] { "Use <port> & \"quotes\"." }, Paras(alert));
        }

        [Fact]
        public void AnEmptySectionGetsOneEmptyPara()
        {
            XDocument maml = ToMaml(SampleWith("## NOTES\nWidgets are fictional.\n", "## NOTES\n"));
            XElement alert = Single(Single(Single(maml.Root!, Command + "command"), Maml + "alertSet"), Maml + "alert");
            Assert.Equal(new[] { "" }, Paras(alert));
        }

        [Fact]
        public void PadExampleTitleMatchesPlatyPS()
        {
            Assert.Equal(new string('-', 26) + " Example 1 " + new string('-', 26), MamlWriter.PadExampleTitle("Example 1"));
            Assert.Equal(64, MamlWriter.PadExampleTitle("Example 10").Length);
            string longTitle = "Example 12: " + new string('A', 54);
            Assert.Equal(longTitle, MamlWriter.PadExampleTitle(longTitle));
        }
    }
}
