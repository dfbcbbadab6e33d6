using System.Linq;
using TcpLb.Engine.Balancing;

namespace TcpLbModule.Jobs
{
    /// <summary>A running balancer (Start-TcpBalancer) with its live statistics.</summary>
    public sealed class TcpBalancerJob : TcpServerJob
    {
        public const string JobTypeName = "TcpBalancer";

        internal TcpBalancerJob(string command, string name, TcpBalancer balancer)
            : base(command, name, JobTypeName, balancer)
        {
            Balancer = balancer;
        }

        /// <summary>The engine object behind the job.</summary>
        public TcpBalancer Balancer { get; }

        /// <summary>The backends in round-robin order, as host:port.</summary>
        public string[] Backends => Balancer.Backends.Select(b => b.Address.ToString()).ToArray();

        public long Accepted => Balancer.Statistics.Accepted;

        public int Active => Balancer.ActiveConnections;

        public long Failed => Balancer.Statistics.Failed;

        public long BytesFromClients => Balancer.Statistics.BytesFromClients.Bytes;

        public long BytesFromBackends => Balancer.Statistics.BytesFromBackends.Bytes;
    }
}
