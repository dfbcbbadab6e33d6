using TcpLb.Engine.Balancing;

namespace TcpLb.Configuration
{
    /// <summary>A [[server]] table while it is read or written: the job name and the balancer's options.</summary>
    internal sealed class ServerBinding
    {
        public ServerBinding(string? name, TcpBalancerOptions options)
        {
            Name = name;
            Options = options;
        }

        public string? Name { get; set; }

        public TcpBalancerOptions Options { get; }
    }
}
