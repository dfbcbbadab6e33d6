using System;
using TcpLb.Engine.Balancing;

namespace TcpLb.Dashboard
{
    /// <summary>A running balancer and the name it goes by (the job's name; toxiproxy's proxy name).</summary>
    public sealed class NamedBalancer
    {
        public NamedBalancer(string name, TcpBalancer balancer)
        {
            Name = string.IsNullOrEmpty(name) ? throw new ArgumentException("A balancer needs a name.", nameof(name)) : name;
            Balancer = balancer ?? throw new ArgumentNullException(nameof(balancer));
        }

        public string Name { get; }

        public TcpBalancer Balancer { get; }
    }
}
