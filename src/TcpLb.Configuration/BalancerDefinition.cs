using System;
using TcpLb.Engine.Balancing;

namespace TcpLb.Configuration
{
    /// <summary>One balancer of a configuration file (one [[server]] table): its job name and its options.</summary>
    public sealed class BalancerDefinition
    {
        public BalancerDefinition(string? name, TcpBalancerOptions options)
        {
            Name = name;
            Options = options ?? throw new ArgumentNullException(nameof(options));
        }

        /// <summary>The job name; null lets the cmdlet name it after its port.</summary>
        public string? Name { get; }

        public TcpBalancerOptions Options { get; }
    }
}
