using System.Collections.Generic;
using System.Linq;

namespace TcpLb.Configuration
{
    /// <summary>
    /// The keys one table of the file may hold (a server, its forward table, a health check, a
    /// backend). Binding refuses an unknown key (naming the nearest valid one) and a key given twice.
    /// </summary>
    internal sealed class SettingTable<TTarget>
    {
        private readonly List<Setting<TTarget>> _settings;
        private readonly Dictionary<string, Setting<TTarget>> _byKey;

        public SettingTable(params Setting<TTarget>[] settings)
        {
            _settings = settings.ToList();
            _byKey = _settings.ToDictionary(s => ConfigurationKey.Normalize(s.Name));
            Names = _settings.Select(s => s.Name).ToList();
        }

        public IReadOnlyList<string> Names { get; }

        /// <summary>For a key that is not here but belongs in another table: where it goes ("belongs in the forward table"); null otherwise.</summary>
        public System.Func<string, string?>? Elsewhere { get; set; }

        public bool Contains(string key) => _byKey.ContainsKey(ConfigurationKey.Normalize(key));

        public void Bind(ConfigurationNode table, BindingContext at, TTarget target)
        {
            if (table.Kind != ConfigurationNodeKind.Table)
            {
                throw at.Error(table, $"{ConfigurationValue.Show(table)} is not valid ({ConfigurationValue.Describe(table)}, not a table). Accepted: a table with the keys {string.Join(", ", Names)}.");
            }
            var seen = new Dictionary<string, string>();
            foreach (KeyValuePair<string, ConfigurationNode> entry in table.Entries)
            {
                BindingContext here = at.Key(entry.Key);
                string normalized = ConfigurationKey.Normalize(entry.Key);
                if (!_byKey.TryGetValue(normalized, out Setting<TTarget>? setting))
                {
                    string? home = Elsewhere?.Invoke(entry.Key);
                    throw here.Error(entry.Value, home != null ? $"'{entry.Key}' is not a key of this table: it {home}." : ConfigurationKey.Unknown(entry.Key, Names));
                }
                if (seen.TryGetValue(normalized, out string? first))
                {
                    throw here.Error(entry.Value, $"the key is given twice ('{first}' and '{entry.Key}' are one key: case, '_' and '-' do not count). Give it once.");
                }
                seen.Add(normalized, entry.Key);
                setting.Read(entry.Value, here, target);
            }
        }

        /// <summary>The table of the keys whose writers return a value, in schema order.</summary>
        public ConfigurationNode Write(TTarget source)
        {
            ConfigurationNode table = ConfigurationNode.Table();
            foreach (Setting<TTarget> setting in _settings)
            {
                ConfigurationNode? value = setting.Write(source);
                if (value != null)
                {
                    table.Add(setting.Name, value);
                }
            }
            return table;
        }
    }
}
