using System;
using System.Threading;
using TcpLb.Engine.Proxying.Toxics;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// A toxic on a balancer's path: its name, the backend it is limited to (null: every backend),
    /// its settings, and the connections it has touched. Made by a caller for
    /// <see cref="TcpBalancerOptions.Toxics"/>; the balancer keeps its own live copy.
    /// </summary>
    public sealed class BalancerToxic : IToxicSource
    {
        private ToxicDefinition _definition;
        private long _connections;
        private volatile bool _removed;

        public BalancerToxic(ToxicDefinition definition, BackendAddress? backend = null, string? name = null)
        {
            _definition = definition ?? throw new ArgumentNullException(nameof(definition));
            Backend = backend;
            Name = string.IsNullOrEmpty(name) ? DefaultName(definition) : name!;
        }

        /// <summary>Unique on its balancer; by default type_direction, as toxiproxy names them ("latency_downstream").</summary>
        public string Name { get; }

        /// <summary>The only backend whose connections it touches; null for every backend.</summary>
        public BackendAddress? Backend { get; }

        /// <summary>The settings in force; <see cref="TcpBalancer.SetToxic"/> replaces them.</summary>
        public ToxicDefinition Definition => Volatile.Read(ref _definition);

        /// <summary>Connections it was applied to (those its toxicity drew), since it was added.</summary>
        public long Connections => Volatile.Read(ref _connections);

        public static string DefaultName(ToxicDefinition definition)
            => ToSnakeCase(definition.Type.ToString()) + "_" + definition.Direction.ToString().ToLowerInvariant();

        ToxicDefinition IToxicSource.Current => Definition;

        bool IToxicSource.IsActive => !_removed;

        internal void Replace(ToxicDefinition definition) => Volatile.Write(ref _definition, definition);

        internal void OnRemoved() => _removed = true;

        internal void OnApplied() => Interlocked.Increment(ref _connections);

        /// <summary>Whether it applies to connections of this backend.</summary>
        internal bool Covers(Backend backend) => Backend == null || Backend.Equals(backend.Address);

        internal BalancerToxic Copy() => new BalancerToxic(Definition, Backend, Name);

        public override string ToString() => $"{Name}: {Definition}{(Backend == null ? "" : " on " + Backend)}";

        private static string ToSnakeCase(string pascal)
        {
            var text = new System.Text.StringBuilder();
            foreach (char c in pascal)
            {
                if (char.IsUpper(c) && text.Length > 0)
                {
                    text.Append('_');
                }
                text.Append(char.ToLowerInvariant(c));
            }
            return text.ToString();
        }
    }
}
