using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using static TcpLb.HelpBuilder.Tests.TestDocs;

namespace TcpLb.HelpBuilder.Tests
{
    /// <summary>The repository's own docs/: every file converts, and each says what the cmdlets do.</summary>
    public class RealDocsTests
    {
        /// <summary>The cmdlets the module exports: CmdletsToExport of module/TcpLbModule.psd1.</summary>
        public static string[] Cmdlets => ExportedCmdlets.Value;

        /// <summary>The cmdlets that address running balancer jobs through the sets Job (default), Name and Id, and detached balancers through Server.</summary>
        public static readonly string[] BalancerJobCmdlets =
        {
            "Get-TcpBalancerBackend", "Add-TcpBalancerBackend", "Remove-TcpBalancerBackend", "Disable-TcpBalancerBackend",
            "Enable-TcpBalancerBackend", "Set-TcpBalancerBackend", "Wait-TcpBalancerBackend", "Stop-TcpBalancer", "Update-TcpBalancer",
        };

        public static IEnumerable<object[]> BalancerJobCmdletNames => BalancerJobCmdlets.Select(c => new object[] { c });

        private static readonly Lazy<string[]> ExportedCmdlets = new Lazy<string[]>(() =>
        {
            string manifest = File.ReadAllText(Path.Combine(RepoRoot(), "module", "TcpLbModule.psd1"));
            Match list = Regex.Match(manifest, @"CmdletsToExport\s*=\s*@\((?<names>[^)]*)\)");
            Assert.True(list.Success, "module/TcpLbModule.psd1 has no CmdletsToExport = @(...)");
            return Regex.Matches(list.Groups["names"].Value, @"'(?<name>[^']+)'").Select(m => m.Groups["name"].Value).ToArray();
        });

        public static IEnumerable<object[]> DocFiles =>
            HelpBuild.FindDocs(DocsDir).Select(f => new object[] { Path.GetFileName(f) });

        private static CommandHelp ReadDoc(string fileName)
        {
            var errors = new List<HelpDiagnostic>();
            CommandHelp? command = HelpBuild.ReadDoc(Path.Combine(DocsDir, fileName), errors);
            Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));
            return command!;
        }

        private static XElement MamlCommand(string name)
        {
            HelpBuild.Result result = HelpBuild.ReadDocs(DocsDir);
            Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Errors));
            XDocument maml = XDocument.Parse(MamlWriter.ToXml(result.Commands));
            return maml.Root!.Elements(Command + "command")
                .Single(c => c.Element(Command + "details")!.Element(Command + "name")!.Value == name);
        }

        [Fact]
        public void TheModuleExportsTheDocumentedCmdlets()
        {
            // The manifest is read, not guessed: the contract's cmdlets are all there.
            Assert.Superset(
                new HashSet<string>(new[] { "Start-TcpBackend", "Start-TcpBalancer", "Invoke-TcpProbe", "Set-TcpBackend", "Measure-TcpProbe", "Get-TcpBalancer", "Get-TcpBackend", "Stop-TcpBackend", "Get-TcpBalancerAccess", "Set-TcpBalancerAccess" }.Concat(BalancerJobCmdlets)),
                new HashSet<string>(Cmdlets));
        }

        [Fact]
        public void ThereIsOneDocPerCmdlet()
        {
            var names = HelpBuild.FindDocs(DocsDir).Select(Path.GetFileNameWithoutExtension).OrderBy(n => n).ToArray();
            Assert.Equal(Cmdlets.OrderBy(n => n).ToArray(), names);
        }

        [Fact]
        public void EveryDocConvertsToOneMamlFile()
        {
            HelpBuild.Result result = HelpBuild.ReadDocs(DocsDir);
            Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Errors));

            XDocument maml = XDocument.Parse(MamlWriter.ToXml(result.Commands));
            var names = maml.Root!.Elements(Command + "command")
                .Select(c => c.Element(Command + "details")!.Element(Command + "name")!.Value)
                .OrderBy(n => n)
                .ToArray();
            Assert.Equal(Cmdlets.OrderBy(n => n).ToArray(), names);
        }

        [Theory]
        [MemberData(nameof(DocFiles))]
        public void DocHasTheModuleFrontMatter(string fileName)
        {
            CommandHelp command = ReadDoc(fileName);
            Assert.Equal("TcpLbModule.dll-Help.xml", command.Metadata["external help file"]);
            Assert.Equal("TcpLbModule", command.Metadata["Module Name"]);
            Assert.Equal("2.0.0", command.Metadata["schema"]);
        }

        [Theory]
        [MemberData(nameof(DocFiles))]
        public void DocParametersMatchItsSyntaxBlocks(string fileName)
        {
            CommandHelp command = ReadDoc(fileName);

            // The consistency check the builder runs finds nothing...
            var errors = new List<HelpDiagnostic>();
            SyntaxConsistency.Check(command, errors);
            Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));

            // ...and, said directly: the parameters named in SYNTAX are exactly the ones in PARAMETERS.
            var inSyntax = command.Syntax
                .SelectMany(s => SyntaxConsistency.Parse(s.Text, out _)!.Parameters.Select(p => p.Name))
                .Distinct(StringComparer.OrdinalIgnoreCase)
                .OrderBy(n => n, StringComparer.OrdinalIgnoreCase)
                .ToArray();
            var inParameters = command.Parameters.Select(p => p.Name).OrderBy(n => n, StringComparer.OrdinalIgnoreCase).ToArray();
            Assert.Equal(inParameters, inSyntax);
            Assert.True(command.SupportsCommonParameters);
            Assert.All(command.Syntax, s => Assert.True(SyntaxConsistency.Parse(s.Text, out _)!.CommonParameters));
        }

        [Theory]
        [MemberData(nameof(DocFiles))]
        public void DocHasRealContent(string fileName)
        {
            CommandHelp command = ReadDoc(fileName);
            Assert.True(command.Examples.Count >= 3, $"{fileName} has {command.Examples.Count} examples; write at least 3.");
            Assert.All(command.Examples, e => Assert.NotEmpty(e.Remarks));
            Assert.All(command.Parameters, p => Assert.DoesNotContain("{{", string.Join(" ", p.Description)));
            Assert.DoesNotContain("{{", string.Join(" ", command.Description));
            Assert.NotEmpty(command.Outputs);
            Assert.NotEmpty(command.Inputs);
            Assert.NotEmpty(command.Notes);
        }

        [Theory]
        [MemberData(nameof(DocFiles))]
        public void DocShowsTheWalkthroughCommandsExactly(string fileName)
        {
            string code = string.Join("\n", ReadDoc(fileName).Examples.SelectMany(e => e.Code));
            Assert.Contains("$backends = 8088, 8077, 8070 | Start-TcpBackend", code);
            Assert.Contains("$lb = Start-TcpBalancer -Port 8080 -Backend $backends", code);
            Assert.Contains("Invoke-TcpProbe -Port 8080 -Count 10", code);
            Assert.Contains("Get-Job | Stop-Job; Get-Job | Remove-Job", code);
        }

        // The contract (DESIGN.md and the cmdlet attributes) as Get-Help shows it.
        [Theory]
        [InlineData("Start-TcpBackend", "Port", "true", "0", "True (ByPropertyName, ByValue)", "Int32[]", "None")]
        [InlineData("Start-TcpBackend", "Mode", "false", "named", "False", "TcpLb.Engine.Backends.TcpBackendMode", "Identify")]
        [InlineData("Start-TcpBackend", "ListenAddress", "false", "named", "False", "String", "127.0.0.1")]
        [InlineData("Start-TcpBackend", "Name", "false", "named", "False", "String", "TcpBackend:<port>")]
        [InlineData("Start-TcpBackend", "Fault", "false", "named", "False", "TcpLb.Engine.Backends.TcpBackendFault", "None")]
        [InlineData("Start-TcpBackend", "Latency", "false", "named", "False", "Int32", "0")]
        [InlineData("Start-TcpBackend", "Jitter", "false", "named", "False", "Int32", "0")]
        [InlineData("Start-TcpBackend", "BandwidthKBps", "false", "named", "False", "Int32", "0")]
        [InlineData("Start-TcpBackend", "Detached", "false", "named", "False", "SwitchParameter", "False")]
        [InlineData("Start-TcpBalancer", "Detached", "false", "named", "False", "SwitchParameter", "False")]
        [InlineData("Start-TcpBalancer", "CertificatePassword", "false", "named", "False", "SecureString", "None")]
        [InlineData("Start-TcpBalancer", "BackendTls", "false", "named", "False", "SwitchParameter", "False")]
        [InlineData("Start-TcpBackend", "Tls", "false", "named", "False", "SwitchParameter", "False")]
        [InlineData("Get-TcpBalancer", "Name", "false", "0", "True (ByPropertyName)", "String[]", "None")]
        [InlineData("Get-TcpBackend", "Name", "false", "0", "True (ByPropertyName)", "String[]", "None")]
        [InlineData("Stop-TcpBackend", "Server", "true", "named", "True (ByValue)", "TcpLbModule.Detached.DetachedTcpServer[]", "None")]
        [InlineData("Get-TcpBalancerBackend", "Server", "true", "named", "True (ByValue)", "TcpLbModule.Detached.DetachedTcpServer[]", "None")]
        [InlineData("Set-TcpBackend", "Server", "true", "named", "True (ByValue)", "TcpLbModule.Detached.DetachedTcpServer[]", "None")]
        [InlineData("Set-TcpBackend", "Job", "true", "0", "True (ByValue)", "TcpLbModule.Jobs.TcpBackendJob[]", "None")]
        [InlineData("Set-TcpBackend", "Name", "true", "named", "False", "String[]", "None")]
        [InlineData("Set-TcpBackend", "Id", "true", "named", "False", "Int32[]", "None")]
        [InlineData("Set-TcpBackend", "Fault", "false", "named", "False", "TcpLb.Engine.Backends.TcpBackendFault", "Unchanged")]
        [InlineData("Set-TcpBackend", "Latency", "false", "named", "False", "Int32", "Unchanged")]
        [InlineData("Set-TcpBackend", "Jitter", "false", "named", "False", "Int32", "Unchanged")]
        [InlineData("Set-TcpBackend", "BandwidthKBps", "false", "named", "False", "Int32", "Unchanged")]
        [InlineData("Set-TcpBackend", "PassThru", "false", "named", "False", "SwitchParameter", "False")]
        [InlineData("Set-TcpBackend", "WhatIf", "false", "named", "False", "SwitchParameter", "False")]
        [InlineData("Set-TcpBackend", "Confirm", "false", "named", "False", "SwitchParameter", "False")]
        [InlineData("Start-TcpBalancer", "Port", "false", "0", "False", "Int32", "8080")]
        [InlineData("Start-TcpBalancer", "Backend", "true", "named", "True (ByValue)", "Object[]", "None")]
        [InlineData("Start-TcpBalancer", "ListenAddress", "false", "named", "False", "String", "127.0.0.1")]
        [InlineData("Start-TcpBalancer", "ConnectTimeout", "false", "named", "False", "Int32", "2000")]
        [InlineData("Start-TcpBalancer", "Name", "false", "named", "False", "String", "TcpBalancer:<port>")]
        [InlineData("Invoke-TcpProbe", "Port", "false", "0", "True (ByPropertyName)", "Int32", "8080")]
        [InlineData("Invoke-TcpProbe", "ComputerName", "false", "named", "True (ByPropertyName)", "String", "localhost")]
        [InlineData("Invoke-TcpProbe", "Count", "false", "named", "False", "Int32", "10")]
        [InlineData("Invoke-TcpProbe", "Message", "false", "named", "False", "String", "Hello")]
        [InlineData("Invoke-TcpProbe", "Timeout", "false", "named", "False", "Int32", "5000")]
        [InlineData("Invoke-TcpProbe", "Concurrency", "false", "named", "False", "Int32", "1")]
        [InlineData("Invoke-TcpProbe", "AsJob", "false", "named", "False", "SwitchParameter", "False")]
        [InlineData("Start-TcpBalancer", "Retries", "false", "named", "False", "Int32", "3")]
        [InlineData("Start-TcpBalancer", "HealthCheckInterval", "false", "named", "False", "Int32", "2000")]
        [InlineData("Start-TcpBalancer", "HealthCheckTimeout", "false", "named", "False", "Int32", "1000")]
        [InlineData("Start-TcpBalancer", "Rise", "false", "named", "False", "Int32", "2")]
        [InlineData("Start-TcpBalancer", "Fall", "false", "named", "False", "Int32", "3")]
        [InlineData("Start-TcpBalancer", "HealthCheckSend", "false", "named", "False", "String", "None")]
        [InlineData("Start-TcpBalancer", "HealthCheckExpect", "false", "named", "False", "String", "None")]
        [InlineData("Start-TcpBalancer", "ConnectFailureLimit", "false", "named", "False", "Int32", "3")]
        [InlineData("Start-TcpBalancer", "IdleTimeout", "false", "named", "False", "Int32", "3600000")]
        [InlineData("Start-TcpBalancer", "FinTimeout", "false", "named", "False", "Int32", "30000")]
        [InlineData("Start-TcpBalancer", "ResponseTimeout", "false", "named", "False", "Int32", "0")]
        [InlineData("Start-TcpBalancer", "RetryOn", "false", "named", "False", "RetryConditions", "ConnectFailure, Reset")]
        [InlineData("Start-TcpBalancer", "MaxConnections", "false", "named", "False", "Int32", "0")]
        [InlineData("Start-TcpBalancer", "BackendMaxConnections", "false", "named", "False", "Int32", "0")]
        [InlineData("Start-TcpBalancer", "QueueLength", "false", "named", "False", "Int32", "256")]
        [InlineData("Start-TcpBalancer", "QueueTimeout", "false", "named", "False", "Int32", "5000")]
        [InlineData("Get-TcpBalancerBackend", "Job", "true", "0", "True (ByValue)", "TcpLbModule.Jobs.TcpBalancerJob[]", "None")]
        [InlineData("Get-TcpBalancerBackend", "Name", "true", "named", "False", "String[]", "None")]
        [InlineData("Get-TcpBalancerBackend", "Id", "true", "named", "False", "Int32[]", "None")]
        [InlineData("Get-TcpBalancerBackend", "Backend", "false", "1", "True (ByPropertyName)", "Object[]", "None")]
        [InlineData("Add-TcpBalancerBackend", "Job", "true", "0", "True (ByValue)", "TcpLbModule.Jobs.TcpBalancerJob[]", "None")]
        [InlineData("Add-TcpBalancerBackend", "Name", "true", "named", "False", "String[]", "None")]
        [InlineData("Add-TcpBalancerBackend", "Id", "true", "named", "False", "Int32[]", "None")]
        [InlineData("Add-TcpBalancerBackend", "Backend", "true", "1", "True (ByPropertyName)", "Object[]", "None")]
        [InlineData("Add-TcpBalancerBackend", "PassThru", "false", "named", "False", "SwitchParameter", "False")]
        [InlineData("Add-TcpBalancerBackend", "WhatIf", "false", "named", "False", "SwitchParameter", "False")]
        [InlineData("Add-TcpBalancerBackend", "Confirm", "false", "named", "False", "SwitchParameter", "False")]
        [InlineData("Add-TcpBalancerBackend", "MaxConnections", "false", "named", "False", "Int32", "The balancer's -BackendMaxConnections")]
        [InlineData("Remove-TcpBalancerBackend", "Job", "true", "0", "True (ByValue)", "TcpLbModule.Jobs.TcpBalancerJob[]", "None")]
        [InlineData("Remove-TcpBalancerBackend", "Name", "true", "named", "False", "String[]", "None")]
        [InlineData("Remove-TcpBalancerBackend", "Id", "true", "named", "False", "Int32[]", "None")]
        [InlineData("Remove-TcpBalancerBackend", "Backend", "true", "1", "True (ByPropertyName)", "Object[]", "None")]
        [InlineData("Remove-TcpBalancerBackend", "PassThru", "false", "named", "False", "SwitchParameter", "False")]
        [InlineData("Remove-TcpBalancerBackend", "WhatIf", "false", "named", "False", "SwitchParameter", "False")]
        [InlineData("Remove-TcpBalancerBackend", "Confirm", "false", "named", "False", "SwitchParameter", "False")]
        [InlineData("Disable-TcpBalancerBackend", "Job", "true", "0", "True (ByValue)", "TcpLbModule.Jobs.TcpBalancerJob[]", "None")]
        [InlineData("Disable-TcpBalancerBackend", "Name", "true", "named", "False", "String[]", "None")]
        [InlineData("Disable-TcpBalancerBackend", "Id", "true", "named", "False", "Int32[]", "None")]
        [InlineData("Disable-TcpBalancerBackend", "Backend", "true", "1", "True (ByPropertyName)", "Object[]", "None")]
        [InlineData("Disable-TcpBalancerBackend", "PassThru", "false", "named", "False", "SwitchParameter", "False")]
        [InlineData("Disable-TcpBalancerBackend", "WhatIf", "false", "named", "False", "SwitchParameter", "False")]
        [InlineData("Disable-TcpBalancerBackend", "Confirm", "false", "named", "False", "SwitchParameter", "False")]
        [InlineData("Disable-TcpBalancerBackend", "Drain", "false", "named", "False", "SwitchParameter", "False")]
        [InlineData("Enable-TcpBalancerBackend", "Job", "true", "0", "True (ByValue)", "TcpLbModule.Jobs.TcpBalancerJob[]", "None")]
        [InlineData("Enable-TcpBalancerBackend", "Name", "true", "named", "False", "String[]", "None")]
        [InlineData("Enable-TcpBalancerBackend", "Id", "true", "named", "False", "Int32[]", "None")]
        [InlineData("Enable-TcpBalancerBackend", "Backend", "true", "1", "True (ByPropertyName)", "Object[]", "None")]
        [InlineData("Enable-TcpBalancerBackend", "PassThru", "false", "named", "False", "SwitchParameter", "False")]
        [InlineData("Enable-TcpBalancerBackend", "WhatIf", "false", "named", "False", "SwitchParameter", "False")]
        [InlineData("Enable-TcpBalancerBackend", "Confirm", "false", "named", "False", "SwitchParameter", "False")]
        [InlineData("Wait-TcpBalancerBackend", "Job", "true", "0", "True (ByValue)", "TcpLbModule.Jobs.TcpBalancerJob[]", "None")]
        [InlineData("Wait-TcpBalancerBackend", "Name", "true", "named", "False", "String[]", "None")]
        [InlineData("Wait-TcpBalancerBackend", "Id", "true", "named", "False", "Int32[]", "None")]
        [InlineData("Wait-TcpBalancerBackend", "Backend", "true", "1", "True (ByPropertyName)", "Object[]", "None")]
        [InlineData("Wait-TcpBalancerBackend", "State", "true", "named", "False", "TcpLb.Engine.Balancing.BackendState", "None")]
        [InlineData("Wait-TcpBalancerBackend", "Timeout", "false", "named", "False", "Int32", "30000")]
        [InlineData("Stop-TcpBalancer", "Job", "true", "0", "True (ByValue)", "TcpLbModule.Jobs.TcpBalancerJob[]", "None")]
        [InlineData("Stop-TcpBalancer", "Name", "true", "named", "False", "String[]", "None")]
        [InlineData("Stop-TcpBalancer", "Id", "true", "named", "False", "Int32[]", "None")]
        [InlineData("Stop-TcpBalancer", "PassThru", "false", "named", "False", "SwitchParameter", "False")]
        [InlineData("Stop-TcpBalancer", "WhatIf", "false", "named", "False", "SwitchParameter", "False")]
        [InlineData("Stop-TcpBalancer", "Confirm", "false", "named", "False", "SwitchParameter", "False")]
        [InlineData("Stop-TcpBalancer", "Drain", "false", "named", "False", "SwitchParameter", "False")]
        [InlineData("Stop-TcpBalancer", "Timeout", "false", "named", "False", "Int32", "30000")]
        public void MamlParameterMatchesTheContract(string cmdlet, string parameter, string required, string position, string pipelineInput, string type, string defaultValue)
        {
            XElement element = MamlCommand(cmdlet).Element(Command + "parameters")!.Elements(Command + "parameter")
                .Single(p => p.Element(Maml + "name")!.Value == parameter);
            Assert.Equal(required, (string?)element.Attribute("required"));
            Assert.Equal(position, (string?)element.Attribute("position"));
            Assert.Equal(pipelineInput, (string?)element.Attribute("pipelineInput"));
            Assert.Equal(type, element.Element(Dev + "type")!.Element(Maml + "name")!.Value);
            Assert.Equal(defaultValue, element.Element(Dev + "defaultValue")!.Value);
        }

        [Theory]
        [InlineData("Start-TcpBackend", 18)]
        [InlineData("Set-TcpBackend", 11)]
        [InlineData("Start-TcpBalancer", 43)]
        [InlineData("Invoke-TcpProbe", 7)]
        [InlineData("Get-TcpBalancerBackend", 5)]
        [InlineData("Get-TcpBalancer", 1)]
        [InlineData("Get-TcpBackend", 1)]
        [InlineData("Stop-TcpBackend", 7)]
        [InlineData("Add-TcpBalancerBackend", 11)]
        [InlineData("Remove-TcpBalancerBackend", 8)]
        [InlineData("Disable-TcpBalancerBackend", 9)]
        [InlineData("Enable-TcpBalancerBackend", 8)]
        [InlineData("Set-TcpBalancerBackend", 9)]
        [InlineData("Wait-TcpBalancerBackend", 7)]
        [InlineData("Stop-TcpBalancer", 9)]
        [InlineData("Update-TcpBalancer", 26)]
        [InlineData("Export-TcpBalancerConfiguration", 8)]
        [InlineData("Get-TcpBalancerAccess", 4)]
        [InlineData("Set-TcpBalancerAccess", 9)]
        public void EveryParameterIsDocumented(string cmdlet, int count)
        {
            var parameters = MamlCommand(cmdlet).Element(Command + "parameters")!.Elements(Command + "parameter").ToList();
            Assert.Equal(count, parameters.Count);
            Assert.All(parameters, p => Assert.NotEmpty(Paras(p.Element(Maml + "description"))));
        }

        [Fact]
        public void ModeListsItsAcceptedValuesInTheSyntax()
        {
            XElement mode = MamlCommand("Start-TcpBackend").Element(Command + "syntax")!.Element(Command + "syntaxItem")!
                .Elements(Command + "parameter").Single(p => p.Element(Maml + "name")!.Value == "Mode");
            Assert.Equal(
                new[] { "Identify", "Echo" },
                mode.Element(Command + "parameterValueGroup")!.Elements(Command + "parameterValue").Select(v => v.Value).ToArray());
        }

        [Theory]
        [InlineData("Start-TcpBackend")]
        [InlineData("Set-TcpBackend")]
        public void FaultListsItsAcceptedValuesInTheSyntax(string cmdlet)
        {
            var faults = MamlCommand(cmdlet).Element(Command + "syntax")!.Elements(Command + "syntaxItem")
                .Select(i => i.Elements(Command + "parameter").Single(p => p.Element(Maml + "name")!.Value == "Fault"))
                .ToList();
            Assert.NotEmpty(faults);
            Assert.All(faults, fault => Assert.Equal(
                new[] { "None", "Refuse", "Close", "Reset", "Blackhole" },
                fault.Element(Command + "parameterValueGroup")!.Elements(Command + "parameterValue").Select(v => v.Value).ToArray()));
        }

        [Fact]
        public void SetTcpBackendHasTheJobNameIdAndServerSets()
        {
            var items = MamlCommand("Set-TcpBackend").Element(Command + "syntax")!.Elements(Command + "syntaxItem")
                .Select(i => i.Elements(Command + "parameter").Select(p => p.Element(Maml + "name")!.Value).ToList())
                .ToList();
            Assert.Equal(4, items.Count);
            Assert.Equal("Job", items[0][0]);
            Assert.Equal(new[] { "Id", "Job", "Name", "Server" }, items.Select(i => i.Single(p => p is "Job" or "Name" or "Id" or "Server")).OrderBy(p => p).ToArray());
            Assert.All(items, i => Assert.Superset(new HashSet<string>(new[] { "Fault", "Latency", "Jitter", "BandwidthKBps", "PassThru" }), new HashSet<string>(i)));
        }

        [Fact]
        public void StateListsItsAcceptedValuesInTheSyntax()
        {
            XElement state = MamlCommand("Wait-TcpBalancerBackend").Element(Command + "syntax")!.Elements(Command + "syntaxItem")
                .SelectMany(i => i.Elements(Command + "parameter")).First(p => p.Element(Maml + "name")!.Value == "State");
            Assert.Equal(
                new[] { "Up", "Down", "Draining", "Disabled", "Removed" },
                state.Element(Command + "parameterValueGroup")!.Elements(Command + "parameterValue").Select(v => v.Value).ToArray());
        }

        // JobTargetCommand: the set Job (the default, -Job at position 0 from the pipeline), then Name, Id and Server (detached balancers, from the pipeline).
        [Theory]
        [MemberData(nameof(BalancerJobCmdletNames))]
        public void BalancerJobCmdletsHaveTheJobNameAndIdSets(string cmdlet)
        {
            var items = MamlCommand(cmdlet).Element(Command + "syntax")!.Elements(Command + "syntaxItem")
                .Select(i => i.Elements(Command + "parameter").Select(p => p.Element(Maml + "name")!.Value).ToList())
                .ToList();
            Assert.Equal(4, items.Count);
            Assert.Equal("Job", items[0][0]); // the default set first, with -Job at position 0
            Assert.All(items, i => Assert.Equal(1, i.Count(p => p is "Job" or "Name" or "Id" or "Server")));
            Assert.Equal(new[] { "Id", "Job", "Name", "Server" }, items.Select(i => i.Single(p => p is "Job" or "Name" or "Id" or "Server")).OrderBy(p => p).ToArray());
            if (cmdlet != "Stop-TcpBalancer")
            {
                Assert.All(items, i => Assert.Contains("Backend", i));
            }
        }

        [Fact]
        public void TheBuiltHelpFileIsCurrent()
        {
            // `dotnet build` of the converter (a dependency of this test project) regenerates the file.
            string built = Path.Combine(RepoRoot(), "module", "en-US", "TcpLbModule.dll-Help.xml");
            Assert.True(File.Exists(built), $"{built} is missing: build src/TcpLb.HelpBuilder.");
            HelpBuild.Result result = HelpBuild.ReadDocs(DocsDir);
            Assert.Equal(MamlWriter.ToXml(result.Commands), File.ReadAllText(built));
        }
    }
}
