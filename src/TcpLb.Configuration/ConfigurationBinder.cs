using System.Collections.Generic;
using TcpLb.Engine.Balancing;

namespace TcpLb.Configuration
{
    /// <summary>
    /// Turns the tree any format reads into balancer definitions (one per server table), and
    /// definitions back into the tree the writers write.
    /// </summary>
    public static class ConfigurationBinder
    {
        /// <summary>Reads the servers of a file; throws <see cref="ConfigurationException"/> naming the file, line, key, value and what is accepted.</summary>
        public static IReadOnlyList<BalancerDefinition> Bind(ConfigurationNode root, string source)
        {
            var at = new BindingContext(source);
            if (root.Kind != ConfigurationNodeKind.Table)
            {
                throw at.Error(root, $"the file holds {ConfigurationValue.Describe(root)}; it must hold a table with a '{BalancerSchema.ServerKey}' list.");
            }
            ConfigurationNode? servers = null;
            foreach (KeyValuePair<string, ConfigurationNode> entry in root.Entries)
            {
                if (ConfigurationKey.Normalize(entry.Key) != BalancerSchema.ServerKey)
                {
                    throw at.Key(entry.Key).Error(entry.Value, ConfigurationKey.Unknown(entry.Key, BalancerSchema.TopLevelKeys));
                }
                if (servers != null)
                {
                    throw at.Key(entry.Key).Error(entry.Value, "the key is given twice. Give it once.");
                }
                servers = entry.Value;
                at = at.Key(entry.Key);
            }
            if (servers == null || (servers.Kind == ConfigurationNodeKind.List && servers.Items.Count == 0))
            {
                throw at.Error(servers ?? root, "the file defines no server. Give at least one: a [[server]] table in TOML, \"server\": [ { ... } ] in JSON, Server = @( @{ ... } ) in a psd1 file.");
            }

            var definitions = new List<BalancerDefinition>();
            if (servers.Kind == ConfigurationNodeKind.Table)
            {
                definitions.Add(BindServer(servers, at));
            }
            else if (servers.Kind == ConfigurationNodeKind.List)
            {
                for (int i = 0; i < servers.Items.Count; i++)
                {
                    definitions.Add(BindServer(servers.Items[i], at.Item(i)));
                }
            }
            else
            {
                throw ConfigurationValue.Bad(servers, at, $"{ConfigurationValue.Describe(servers)}, not a list of tables", "a list of server tables");
            }
            return definitions;
        }

        /// <summary>The tree of these balancers, keys spelled snake_case; the writers respell them for their format.</summary>
        public static ConfigurationNode Unbind(IEnumerable<BalancerDefinition> balancers)
        {
            ConfigurationNode list = ConfigurationNode.List();
            foreach (BalancerDefinition balancer in balancers)
            {
                list.Items.Add(BalancerSchema.ServerKeys.Write(new ServerBinding(balancer.Name, balancer.Options)));
            }
            return ConfigurationNode.Table().Add(BalancerSchema.ServerKey, list);
        }

        private static BalancerDefinition BindServer(ConfigurationNode node, BindingContext at)
        {
            var binding = new ServerBinding(null, new TcpBalancerOptions());
            BalancerSchema.ServerKeys.Bind(node, at, binding);
            return new BalancerDefinition(binding.Name, binding.Options);
        }
    }
}
