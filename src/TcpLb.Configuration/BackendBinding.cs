using TcpLb.Engine.Balancing;

namespace TcpLb.Configuration
{
    /// <summary>A backend table while it is read or written.</summary>
    internal sealed class BackendBinding
    {
        public BackendAddress? Address { get; set; }

        public int Weight { get; set; } = BackendDefinition.DefaultWeight;

        public bool Backup { get; set; }

        public int? MaxConnections { get; set; }

        public Engine.Net.ProxyProtocolVersion? SendProxyProtocol { get; set; }

        public static BackendBinding From(BackendDefinition definition) => new BackendBinding
        {
            Address = definition.Address,
            Weight = definition.Weight,
            Backup = definition.Backup,
            MaxConnections = definition.MaxConnections,
            SendProxyProtocol = definition.SendProxyProtocol,
        };
    }
}
