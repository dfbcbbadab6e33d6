using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using TcpLb.Configuration.Settings;
using Xunit;

namespace TcpLb.Configuration.Tests
{
    /// <summary>
    /// The documents state each setting's default and range as <see cref="BalancerSettings"/> has
    /// them: Start-TcpBalancer.md and Update-TcpBalancer.md per parameter ("from A to B", "A to B",
    /// "from A.", "Default value: N", "N (the default)", "The default is N"), and the configuration
    /// about topic per file key ("key   what it does, A to B (N)").
    /// </summary>
    public class SettingDocsTests
    {
        private static readonly Regex FullRange = new Regex(@"\b(?:from )?(\d+) to (\d+)\b");
        private static readonly Regex LowerBound = new Regex(@"\bfrom (\d+)[.,;)]");
        private static readonly Regex YamlDefault = new Regex(@"^Default value: (\d+)\s*$", RegexOptions.Multiline);
        private static readonly Regex ProseDefault = new Regex(@"(?:(\d+) \(the default\)|[Tt]he default(?: is|,) (\d+))");

        [Fact]
        public void The_cmdlet_docs_state_the_defaults_and_ranges_the_settings_have()
        {
            var wrong = new List<string>();
            var defaultsFound = new HashSet<string>();
            foreach (string doc in new[] { "Start-TcpBalancer.md", "Update-TcpBalancer.md" })
            {
                string text = File.ReadAllText(Path.Combine(RepoRoot(), "docs", doc));
                foreach (BalancerSetting setting in BalancerSettings.All)
                {
                    string? section = ParameterSection(text, setting.Name);
                    if (section == null)
                    {
                        continue;
                    }
                    string where = $"{doc} -{setting.Name}";
                    int yaml = section.IndexOf("```yaml", StringComparison.Ordinal);
                    string prose = yaml < 0 ? section : section.Substring(0, yaml);
                    CheckRanges(prose, setting, where, wrong);
                    foreach (Match match in YamlDefault.Matches(section).Cast<Match>().Concat(ProseDefault.Matches(prose)))
                    {
                        string number = match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value;
                        defaultsFound.Add(doc + setting.Name);
                        if (long.Parse(number, CultureInfo.InvariantCulture) != setting.Default)
                        {
                            wrong.Add($"{where}: states the default {number}; the setting's default is {setting.Default}.");
                        }
                    }
                }
            }
            Assert.Empty(wrong);
            // Not vacuous: Start-TcpBalancer.md gives every setting's default.
            Assert.Equal(BalancerSettings.All.Select(s => "Start-TcpBalancer.md" + s.Name), BalancerSettings.All.Select(s => "Start-TcpBalancer.md" + s.Name).Where(defaultsFound.Contains));
        }

        [Fact]
        public void The_configuration_topic_states_the_defaults_and_ranges_the_settings_have()
        {
            string text = File.ReadAllText(Path.Combine(RepoRoot(), "module", "en-US", "about_TcpLbModule_Configuration.help.txt"));
            string healthCheck = Entry(text, "health_check") ?? throw new InvalidOperationException("The topic has no health_check entry.");
            var wrong = new List<string>();
            foreach (BalancerSetting setting in BalancerSettings.All)
            {
                string where = $"about_TcpLbModule_Configuration {setting.FileKey}";
                Match stated;
                if (setting.Table == SettingTableKind.HealthCheck)
                {
                    stated = new Regex(@"\b" + setting.FileKey + @" \((\d+)").Match(healthCheck);
                }
                else
                {
                    string entry = Entry(text, setting.FileKey) ?? "";
                    stated = new Regex(@"\((\d+)").Match(entry);
                    CheckRanges(entry, setting, where, wrong);
                }
                if (!stated.Success)
                {
                    wrong.Add($"{where}: states no default; the setting's default is {setting.Default}.");
                }
                else if (long.Parse(stated.Groups[1].Value, CultureInfo.InvariantCulture) != setting.Default)
                {
                    wrong.Add($"{where}: states the default {stated.Groups[1].Value}; the setting's default is {setting.Default}.");
                }
            }
            Assert.Empty(wrong);
        }

        [Fact]
        public void The_check_catches_a_wrong_default_and_a_wrong_range()
        {
            var wrong = new List<string>();
            CheckRanges("Further backends to try, 0 to 1000.", BalancerSettings.Retries, "x", wrong);
            CheckRanges("Connections that may wait, from 0.", BalancerSettings.QueueLength, "y", wrong);
            CheckRanges("Connections that may wait, from 0 to 1000000.", BalancerSettings.QueueLength, "z", wrong);
            Assert.Equal(new[] { "x: states the range 0 to 1000; the setting's range is from 0 to 100.", "y: states 'from 0' with no upper bound; the setting's range is from 0 to 1000000." }, wrong);
        }

        private static void CheckRanges(string prose, BalancerSetting setting, string where, List<string> wrong)
        {
            foreach (Match range in FullRange.Matches(prose))
            {
                if (long.Parse(range.Groups[1].Value, CultureInfo.InvariantCulture) != setting.Min || long.Parse(range.Groups[2].Value, CultureInfo.InvariantCulture) != setting.Max)
                {
                    wrong.Add($"{where}: states the range {range.Groups[1].Value} to {range.Groups[2].Value}; the setting's range is {setting.Accepted}.");
                }
            }
            foreach (Match lower in LowerBound.Matches(prose))
            {
                if (long.Parse(lower.Groups[1].Value, CultureInfo.InvariantCulture) != setting.Min)
                {
                    wrong.Add($"{where}: states the range from {lower.Groups[1].Value}; the setting's range is {setting.Accepted}.");
                }
                else if (setting.Max != int.MaxValue)
                {
                    wrong.Add($"{where}: states 'from {lower.Groups[1].Value}' with no upper bound; the setting's range is {setting.Accepted}.");
                }
            }
        }

        /// <summary>The text of "### -Name" up to the next heading; null when the doc has no such parameter.</summary>
        private static string? ParameterSection(string text, string name)
        {
            Match heading = new Regex(@"^### -" + name + @"\s*$", RegexOptions.Multiline).Match(text);
            if (!heading.Success)
            {
                return null;
            }
            int end = text.IndexOf("\n#", heading.Index + heading.Length, StringComparison.Ordinal);
            return end < 0 ? text.Substring(heading.Index) : text.Substring(heading.Index, end - heading.Index);
        }

        /// <summary>A key's entry in the schema's table of keys: its line (eight spaces in) and the lines indented under it.</summary>
        private static string? Entry(string text, string key)
        {
            string[] lines = text.Replace("\r", "").Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                if (Regex.IsMatch(lines[i], "^ {8}" + key + @"(\s|$)"))
                {
                    var entry = new List<string> { lines[i].Substring(8 + key.Length) };
                    for (int j = i + 1; j < lines.Length && lines[j].StartsWith("         ", StringComparison.Ordinal); j++)
                    {
                        entry.Add(lines[j].Trim());
                    }
                    return string.Join(" ", entry);
                }
            }
            return null;
        }

        private static string RepoRoot()
        {
            for (DirectoryInfo? dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                if (Directory.Exists(Path.Combine(dir.FullName, "docs")) && Directory.Exists(Path.Combine(dir.FullName, "src", "TcpLb.Configuration")))
                {
                    return dir.FullName;
                }
            }
            throw new InvalidOperationException("Cannot find the repository root (docs/ and src/TcpLb.Configuration/) above " + AppContext.BaseDirectory);
        }
    }
}
