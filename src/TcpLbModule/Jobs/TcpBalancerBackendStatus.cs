using System;
using TcpLb.Engine.Balancing;

namespace TcpLbModule.Jobs
{
    /// <summary>A backend of a balancer as Get-TcpBalancerBackend saw it: a snapshot that does not change under a script.</summary>
    public sealed class TcpBalancerBackendStatus
    {
        internal TcpBalancerBackendStatus(TcpBalancerJob job, Backend backend)
        {
            Balancer = job.Name;
            BalancerId = job.Id;
            Backend = backend.Address.ToString();
            Port = backend.Address.Port;
            State = backend.State.ToString();
            Healthy = backend.Healthy;
            ActiveConnections = backend.ActiveConnections;
            TotalConnections = backend.TotalConnections;
            Failures = backend.Failures;
            Redispatched = backend.Redispatched;
            ToxicConnections = backend.ToxicConnections;
            BytesToBackend = backend.BytesToBackend.Bytes;
            BytesFromBackend = backend.BytesFromBackend.Bytes;
            MaxConnections = backend.MaxConnections;
            Weight = backend.Weight;
            Backup = backend.IsBackup;
            SlowStarting = backend.SlowStarting;
            LastCheckSucceeded = backend.LastCheckSucceeded;
            LastCheckTime = backend.LastCheckTime;
            LastError = backend.LastError;
        }

        /// <summary>The balancer job's name and id.</summary>
        public string Balancer { get; }

        public int BalancerId { get; }

        /// <summary>host:port.</summary>
        public string Backend { get; }

        public int Port { get; }

        /// <summary>Up, Down, Disabled or Draining (a BackendState name).</summary>
        /// <remarks>Text (the enum's name), so that ConvertTo-Json writes the name, not a number.</remarks>
        public string State { get; }

        public bool Healthy { get; }

        public int ActiveConnections { get; }

        public long TotalConnections { get; }

        /// <summary>
        /// Failed connects, and connections the backend reset (within the client's first 64 KiB)
        /// or left unanswered past the response timeout, before its first byte.
        /// </summary>
        public long Failures { get; }

        /// <summary>Connections taken from this backend (it failed before its first byte) and replayed to another.</summary>
        public long Redispatched { get; }

        /// <summary>Connections to this backend that one or more of the balancer's toxics applied to.</summary>
        public long ToxicConnections { get; }

        public long BytesToBackend { get; }

        public long BytesFromBackend { get; }

        /// <summary>0 means no limit.</summary>
        public int MaxConnections { get; }

        /// <summary>Its share of new connections relative to the others (for the algorithms that use weights).</summary>
        public int Weight { get; }

        /// <summary>A backup: used only while no primary backend is available (its TotalConnections are the connections it took).</summary>
        public bool Backup { get; }

        /// <summary>Back Up recently and still ramping to its full weight (Start-TcpBalancer -SlowStart).</summary>
        public bool SlowStarting { get; }

        /// <summary>Null until a health check has run.</summary>
        public bool? LastCheckSucceeded { get; }

        public DateTimeOffset? LastCheckTime { get; }

        public string? LastError { get; }
    }
}
