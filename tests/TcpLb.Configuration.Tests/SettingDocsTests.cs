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
            Assert.True(wrong.Count == 0, string.Join(Environment.NewLine, wrong));
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
            Assert.True(wrong.Count == 0, string.Join(Environment.NewLine, wrong));
        }

        [Fact]
        public void The_cmdlet_docs_state_the_values_and_defaults_the_value_settings_have()
        {
            var wrong = new List<string>();
            var documented = new HashSet<string>();
            foreach (string doc in new[] { "Start-TcpBalancer.md", "Update-TcpBalancer.md" })
            {
                string text = File.ReadAllText(Path.Combine(RepoRoot(), "docs", doc));
                foreach (BalancerValueSetting setting in BalancerSettings.Values)
                {
                    string? section = ParameterSection(text, setting.Name);
                    if (section == null)
                    {
                        continue;
                    }
                    documented.Add(doc + setting.Name);
                    CheckValues(section, setting, $"{doc} -{setting.Name}", wrong);
                    Match stated = YamlText.Match(section);
                    // Update-TcpBalancer's parameters default to "unchanged"; Start-TcpBalancer's state the engine's default.
                    if (doc == "Start-TcpBalancer.md" && (!stated.Success || !SameDefault(stated.Groups[1].Value, setting.Default)))
                    {
                        wrong.Add($"{doc} -{setting.Name}: states the default '{(stated.Success ? stated.Groups[1].Value.Trim() : "")}'; the setting's default is '{setting.Default}'.");
                    }
                }
            }
            Assert.True(wrong.Count == 0, string.Join(Environment.NewLine, wrong));
            // Not vacuous: Start-TcpBalancer.md has every value setting.
            Assert.Equal(BalancerSettings.Values.Select(s => s.Name), BalancerSettings.Values.Where(s => documented.Contains("Start-TcpBalancer.md" + s.Name)).Select(s => s.Name));
        }

        [Fact]
        public void The_configuration_topic_has_every_value_setting_with_its_values()
        {
            string text = File.ReadAllText(Path.Combine(RepoRoot(), "module", "en-US", "about_TcpLbModule_Configuration.help.txt"));
            string healthCheck = Entry(text, "health_check") ?? throw new InvalidOperationException("The topic has no health_check entry.");
            var wrong = new List<string>();
            foreach (BalancerValueSetting setting in BalancerSettings.Values)
            {
                string? entry = setting.Table == SettingTableKind.HealthCheck
                    ? (Regex.IsMatch(healthCheck, @"\b" + setting.FileKey + @" \(") ? healthCheck : null)
                    : Entry(text, setting.FileKey);
                if (entry == null)
                {
                    wrong.Add($"about_TcpLbModule_Configuration: no entry for {setting.FileKey} ({setting.Name}).");
                    continue;
                }
                foreach (string value in setting.Values.Where(v => entry.IndexOf(v, StringComparison.OrdinalIgnoreCase) < 0))
                {
                    wrong.Add($"about_TcpLbModule_Configuration {setting.FileKey}: does not name the value {value}; the setting takes {string.Join(", ", setting.Values)}.");
                }
            }
            Assert.True(wrong.Count == 0, string.Join(Environment.NewLine, wrong));
        }

        [Fact]
        public void Update_TcpBalancer_describes_each_setting_by_its_help_line()
        {
            string text = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "Update-TcpBalancer.md"));
            var wrong = new List<string>();
            int checkedCount = 0;
            var settings = BalancerSettings.All.Select(s => (s.Name, s.Help)).Concat(BalancerSettings.Values.Select(s => (s.Name, s.Help)));
            foreach ((string name, string help) in settings)
            {
                string? section = ParameterSection(text, name);
                if (section == null)
                {
                    continue;
                }
                checkedCount++;
                string first = section.Split('\n')[1].Trim();
                if (!first.StartsWith(help.TrimEnd('.'), StringComparison.Ordinal))
                {
                    wrong.Add($"Update-TcpBalancer.md -{name} begins '{first.Substring(0, Math.Min(first.Length, 80))}'; the setting's help line is '{help}'.");
                }
            }
            Assert.True(wrong.Count == 0, string.Join(Environment.NewLine, wrong));
            Assert.True(checkedCount >= 17, $"only {checkedCount} settings have a section in Update-TcpBalancer.md");
        }

        [Fact]
        public void The_check_catches_wrong_values_and_a_wrong_default()
        {
            var wrong = new List<string>();
            CheckValues("```yaml\nAccepted values: RoundRobin, Random\n```", BalancerSettings.Algorithm, "x", wrong);
            CheckValues("```yaml\nType: String\n```", BalancerSettings.SendProxyProtocol, "y", wrong);
            Assert.Equal(2, wrong.Count);
            Assert.True(SameDefault("None", BalancerSettings.HealthCheckSend.Default));
            Assert.True(SameDefault("False", BalancerSettings.AcceptProxyProtocol.Default));
            Assert.True(SameDefault("ConnectFailure, Reset", BalancerSettings.RetryOn.Default));
            Assert.False(SameDefault("LeastConnections", BalancerSettings.Algorithm.Default));
        }

        private static readonly Regex YamlAccepted = new Regex(@"^Accepted values: (.*)$", RegexOptions.Multiline);
        private static readonly Regex YamlText = new Regex(@"^Default value: (.*)$", RegexOptions.Multiline);

        /// <summary>The yaml's accepted values are the setting's names, in order; a free-form setting lists none.</summary>
        private static void CheckValues(string section, BalancerValueSetting setting, string where, List<string> wrong)
        {
            Match accepted = YamlAccepted.Match(section);
            string[] stated = accepted.Success ? accepted.Groups[1].Value.Trim().Split(new[] { ", " }, StringSplitOptions.RemoveEmptyEntries) : new string[0];
            if (!stated.SequenceEqual(setting.Values))
            {
                wrong.Add($"{where}: states the accepted values '{string.Join(", ", stated)}'; the setting takes '{string.Join(", ", setting.Values)}'.");
            }
        }

        /// <summary>The same default: the same text (case and quotes aside), or both nothing ("None", "False", "(none)", "off").</summary>
        private static bool SameDefault(string stated, string actual)
        {
            string Normal(string value) => value.Trim().Trim('(', ')', '\'', '"').ToLowerInvariant() switch
            {
                "none" or "false" or "off" or "" => "none",
                string other => other,
            };
            return Normal(stated) == Normal(actual);
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
