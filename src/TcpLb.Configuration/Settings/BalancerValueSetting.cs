using System;
using System.Collections.Generic;
using System.Linq;
using TcpLb.Engine.Balancing;

namespace TcpLb.Configuration.Settings
{
    /// <summary>
    /// One balancer setting that is not a whole number (an algorithm, a set of retry conditions, a
    /// PROXY protocol choice, a text, an address), described once as <see cref="BalancerSetting"/>
    /// describes the numbers: its name (the cmdlets' parameter and the reload planner's), its file
    /// key and table, the values it accepts, whether a running balancer can change it, and a line of
    /// help. Its value is shown as a reload's change shows it; the default is the engine's (read
    /// from a new <see cref="TcpBalancerOptions"/>). Reading it from a file stays with the schema,
    /// which knows the file's forms; a cmdlet's parameter value (already of the setting's type)
    /// goes through <see cref="Set"/>.
    /// </summary>
    public sealed class BalancerValueSetting
    {
        private readonly Func<TcpBalancerOptions, string> _show;
        private readonly Action<TcpBalancerOptions, TcpBalancerOptions> _copy;
        private readonly Action<TcpBalancerOptions, object?> _set;

        internal BalancerValueSetting(string name, string fileKey, SettingTableKind table, bool live, string accepted, IReadOnlyList<string> values, string help,
            Func<TcpBalancerOptions, string> show, Action<TcpBalancerOptions, TcpBalancerOptions> copy, Action<TcpBalancerOptions, object?> set)
        {
            Name = name;
            FileKey = fileKey;
            Table = table;
            Live = live;
            Accepted = accepted;
            Values = values;
            Help = help;
            _show = show;
            _copy = copy;
            _set = set;
        }

        /// <summary>An enumeration's setting: its values are the enumeration's names.</summary>
        internal static BalancerValueSetting Choice<T>(string name, string fileKey, SettingTableKind table, bool live, string accepted, string help,
            Func<TcpBalancerOptions, T> get, Action<TcpBalancerOptions, T> set)
            where T : struct, Enum
            => new BalancerValueSetting(name, fileKey, table, live, accepted, Enum.GetNames(typeof(T)), help,
                o => get(o).ToString(), (from, to) => set(to, get(from)), (o, value) => set(o, (T)value!));

        /// <summary>The cmdlets' parameter name, as the reload planner and the docs name it (Algorithm).</summary>
        public string Name { get; }

        /// <summary>The key in a configuration file (algorithm).</summary>
        public string FileKey { get; }

        public SettingTableKind Table { get; }

        /// <summary>Whether a running balancer takes a new value (Update-TcpBalancer); else a restart is needed.</summary>
        public bool Live { get; }

        /// <summary>What it accepts, in words (the files' short forms included).</summary>
        public string Accepted { get; }

        /// <summary>The values the command line takes by name (an enumeration's names); empty for a free form (text, an address).</summary>
        public IReadOnlyList<string> Values { get; }

        /// <summary>One line on what it does.</summary>
        public string Help { get; }

        /// <summary>The engine's default, shown as <see cref="Show"/> shows a value.</summary>
        public string Default => Show(new TcpBalancerOptions());

        /// <summary>The value as a reload's change shows it ("RoundRobin", "ConnectFailure, Reset", "(none)").</summary>
        public string Show(TcpBalancerOptions options) => _show(options);

        /// <summary>Copies this setting from one options object to another.</summary>
        public void Copy(TcpBalancerOptions from, TcpBalancerOptions to) => _copy(from, to);

        /// <summary>Sets a value of the setting's own type (a cmdlet's parameter value, read and checked).</summary>
        public void Set(TcpBalancerOptions options, object? value) => _set(options, value);

        /// <summary>Whether <paramref name="text"/> names one of <see cref="Values"/> (case does not count).</summary>
        public bool IsValue(string text) => Values.Contains(text.Trim(), StringComparer.OrdinalIgnoreCase);

        public override string ToString() => Name;
    }
}
