using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using TcpLb.Configuration;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Proxying.Toxics;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// The toxic settings a cmdlet takes (Add-/Set-TcpBalancerToxic parameters, Start-TcpBalancer
    /// -Toxic hashtables), in the module's units: milliseconds, KB/s (1 KB = 1024 bytes), bytes.
    /// One place says which settings each type takes.
    /// </summary>
    internal static class ToxicArgument
    {
        public const int MaxMilliseconds = 3_600_000;
        public const int MaxRateKBps = 1_048_576;

        /// <summary>The settings each type takes, by parameter name.</summary>
        private static readonly Dictionary<ToxicType, string[]> Settings = new Dictionary<ToxicType, string[]>
        {
            [ToxicType.Latency] = new[] { "Latency", "Jitter" },
            [ToxicType.Bandwidth] = new[] { "Rate" },
            [ToxicType.SlowClose] = new[] { "Delay" },
            [ToxicType.Timeout] = new[] { "Timeout" },
            [ToxicType.ResetPeer] = new[] { "Timeout" },
            [ToxicType.Slicer] = new[] { "AverageSize", "SizeVariation", "Delay" },
            [ToxicType.LimitData] = new[] { "Bytes" },
        };

        public static readonly string[] AllSettings = { "Latency", "Jitter", "Rate", "Delay", "Timeout", "AverageSize", "SizeVariation", "Bytes" };

        private static readonly string[] HashtableKeys = new[] { "Type", "Direction", "Toxicity", "Backend", "Name" }.Concat(AllSettings).ToArray();

        /// <summary>Throws (as an ArgumentException naming it) for a setting given that the type does not take.</summary>
        public static void EnsureApplies(ToxicType type, IEnumerable<string> given)
        {
            string[] wrong = given.Where(g => AllSettings.Contains(g, StringComparer.OrdinalIgnoreCase) && !Settings[type].Contains(g, StringComparer.OrdinalIgnoreCase)).ToArray();
            if (wrong.Length > 0)
            {
                throw new ArgumentException($"{string.Join(", ", wrong.Select(w => "-" + w))} does not apply to a {type} toxic. A {type} toxic takes: {string.Join(", ", Settings[type].Select(s => "-" + s))}.");
            }
        }

        /// <summary>Makes a definition of <paramref name="type"/> from the settings given by name (module units).</summary>
        public static ToxicDefinition Create(ToxicType type, ToxicDirection direction, double toxicity, IDictionary<string, long> values)
        {
            EnsureApplies(type, values.Keys);
            return Wrap(() => new ToxicDefinition(
                type,
                direction,
                toxicity,
                Ms(values, "Latency"),
                Ms(values, "Jitter"),
                Get(values, "Rate") * 1024L,
                Ms(values, "Delay"),
                Ms(values, "Timeout"),
                (int)Get(values, "AverageSize"),
                (int)Get(values, "SizeVariation"),
                Get(values, "Bytes")));
        }

        /// <summary>A copy of <paramref name="current"/> with the settings given changed.</summary>
        public static ToxicDefinition Change(ToxicDefinition current, ToxicDirection? direction, double? toxicity, IDictionary<string, long> values)
        {
            EnsureApplies(current.Type, values.Keys);
            return Wrap(() => current.With(
                direction,
                toxicity,
                OptionalMs(values, "Latency"),
                OptionalMs(values, "Jitter"),
                values.TryGetValue("Rate", out long rate) ? rate * 1024L : (long?)null,
                OptionalMs(values, "Delay"),
                OptionalMs(values, "Timeout"),
                values.TryGetValue("AverageSize", out long average) ? (int)average : (int?)null,
                values.TryGetValue("SizeVariation", out long variation) ? (int)variation : (int?)null,
                values.TryGetValue("Bytes", out long bytes) ? bytes : (long?)null));
        }

        /// <summary>
        /// One -Toxic hashtable of Start-TcpBalancer: Type (required), Direction, Toxicity,
        /// Backend, Name and the type's settings. Throws an ArgumentException naming what is wrong.
        /// </summary>
        public static BalancerToxic FromHashtable(Hashtable table, IReadOnlyList<BackendAddress> pool)
        {
            var keys = table.Keys.Cast<object>().Select(k => k?.ToString() ?? "").ToList();
            string[] unknown = keys.Where(k => !HashtableKeys.Any(h => BackendDefinition.NormalizeKey(h) == BackendDefinition.NormalizeKey(k))).ToArray();
            if (unknown.Length > 0)
            {
                throw new ArgumentException($"-Toxic: unknown key {string.Join(", ", unknown.Select(u => "'" + u + "'"))}. Accepted keys: {string.Join(", ", HashtableKeys)}.");
            }
            // Keys as in the files too: average_size is AverageSize.
            object? Value(string key) => keys.FirstOrDefault(k => string.Equals(BackendDefinition.NormalizeKey(k), BackendDefinition.NormalizeKey(key), StringComparison.Ordinal)) is string found ? table[found] : null;

            object? typeValue = Value("Type") ?? throw new ArgumentException($"-Toxic: a toxic needs a Type: one of {string.Join(", ", Enum.GetNames(typeof(ToxicType)))}.");
            ToxicType type = Convert<ToxicType>(typeValue, "Type", string.Join(", ", Enum.GetNames(typeof(ToxicType))));
            ToxicDirection direction = Value("Direction") is object d ? Convert<ToxicDirection>(d, "Direction", "Upstream, Downstream") : ToxicDirection.Downstream;
            double toxicity = Value("Toxicity") is object t ? Convert<double>(t, "Toxicity", "a number from 0 to 1") : 1;
            var values = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
            foreach (string setting in AllSettings)
            {
                if (Value(setting) is object v)
                {
                    values[setting] = MillisecondSettings.Contains(setting)
                        ? Convert<long>(DurationOf(v, setting), setting, DurationText.Forms)
                        : Convert<long>(v, setting, "a whole number of 0 or more");
                }
            }
            BackendAddress? backend = null;
            if (Value("Backend") is object b)
            {
                if (!BackendArgument.TryConvert(b, out backend, out string? reason, jobMustBeRunning: false))
                {
                    throw new ArgumentException("-Toxic: " + reason);
                }
                if (!pool.Contains(backend!))
                {
                    throw new ArgumentException($"-Toxic: backend {backend} is not one of the balancer's backends ({string.Join(", ", pool)}). Leave Backend out for all of them.");
                }
            }
            string? name = Value("Name")?.ToString();
            ToxicDefinition definition;
            try
            {
                definition = Create(type, direction, toxicity, values);
            }
            catch (ArgumentException e)
            {
                // The hashtable's keys have no dash: "-Rate does not apply" becomes "Rate does not apply".
                throw new ArgumentException("-Toxic: " + System.Text.RegularExpressions.Regex.Replace(e.Message, @"(?<!\w)-(?=[A-Z])", ""), e);
            }
            return new BalancerToxic(definition, backend, string.IsNullOrEmpty(name) ? null : name);
        }

        /// <summary>
        /// A -Toxic hashtable as it can cross to a detached balancer's process: a backend job
        /// becomes its address and enum values their names (jobs do not cross processes).
        /// </summary>
        public static Hashtable Portable(Hashtable table)
        {
            var copy = new Hashtable(StringComparer.OrdinalIgnoreCase);
            foreach (DictionaryEntry entry in table)
            {
                object? value = entry.Value is PSObject wrapped ? wrapped.BaseObject : entry.Value;
                if (string.Equals(entry.Key?.ToString(), "Backend", StringComparison.OrdinalIgnoreCase) && BackendArgument.TryConvert(value, out BackendAddress? address, out _, jobMustBeRunning: false))
                {
                    value = address!.ToString();
                }
                else if (value is Enum member)
                {
                    value = member.ToString();
                }
                copy[entry.Key?.ToString() ?? ""] = value;
            }
            return copy;
        }

        /// <summary>The settings a cmdlet was given, by name.</summary>
        public static Dictionary<string, long> Given(PSCmdlet cmdlet, Func<string, long> read)
        {
            var values = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
            foreach (string setting in AllSettings)
            {
                if (cmdlet.MyInvocation.BoundParameters.ContainsKey(setting))
                {
                    values[setting] = read(setting);
                }
            }
            return values;
        }

        /// <summary>The settings that are durations: they take '100ms', '2s' or a TimeSpan as the time parameters and the files do.</summary>
        private static readonly string[] MillisecondSettings = { "Latency", "Jitter", "Delay", "Timeout" };

        private static object DurationOf(object value, string key)
        {
            try
            {
                return DurationAttribute.Convert(value) ?? value;
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"-Toxic: {key}: {e.Message}", e);
            }
        }

        private static T Convert<T>(object value, string key, string accepted)
        {
            try
            {
                return LanguagePrimitives.ConvertTo<T>(value is PSObject p ? p.BaseObject : value);
            }
            catch (PSInvalidCastException)
            {
                throw new ArgumentException($"-Toxic: {key} '{value}' is not valid. Use {accepted}.");
            }
        }

        private static ToxicDefinition Wrap(Func<ToxicDefinition> create)
        {
            try
            {
                return create();
            }
            catch (ArgumentOutOfRangeException e)
            {
                // The engine's message without the parameter line .NET appends.
                throw new ArgumentException(e.Message.Split(new[] { Environment.NewLine, " (Parameter" }, StringSplitOptions.None)[0], e);
            }
        }

        private static long Get(IDictionary<string, long> values, string key) => values.TryGetValue(key, out long value) ? value : 0;

        private static TimeSpan Ms(IDictionary<string, long> values, string key) => TimeSpan.FromMilliseconds(Get(values, key));

        private static TimeSpan? OptionalMs(IDictionary<string, long> values, string key) => values.TryGetValue(key, out long value) ? TimeSpan.FromMilliseconds(value) : (TimeSpan?)null;
    }
}
