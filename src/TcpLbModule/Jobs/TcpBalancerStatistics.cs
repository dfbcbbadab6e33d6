using System;

namespace TcpLbModule.Jobs
{
    /// <summary>
    /// A balancer's counters as Get-TcpBalancerStatistics saw them: a snapshot that serializes
    /// promptly, the same for a balancer job of this session and a detached balancer (whose
    /// process takes it and sends it back).
    /// </summary>
    public sealed class TcpBalancerStatistics
    {
        internal TcpBalancerStatistics(TcpBalancerJob job)
        {
            Balancer = job.Name;
            BalancerId = job.Id;
            Port = job.Port;
            State = job.JobStateInfo.State.ToString();
            Algorithm = job.Algorithm;
            Outage = job.Outage;
            Accepted = job.Accepted;
            Served = job.Served;
            Active = job.Active;
            Failed = job.Failed;
            Retried = job.Retried;
            Redispatched = job.Redispatched;
            Rejected = job.Rejected;
            LoopsCut = job.LoopsCut;
            Denied = job.Denied;
            SourceLimited = job.SourceLimited;
            BadProxyHeaders = job.BadProxyHeaders;
            AbandonedInQueue = job.AbandonedInQueue;
            Queued = job.Queued;
            SentToBackup = job.SentToBackup;
            ToxicConnections = job.ToxicConnections;
            BytesFromClients = job.BytesFromClients;
            BytesFromBackends = job.BytesFromBackends;
            DroppedOutput = job.DroppedOutput;
            Timestamp = DateTimeOffset.Now;
        }

        /// <summary>The balancer job's name and id (in the process that runs it).</summary>
        public string Balancer { get; }

        public int BalancerId { get; }

        public int Port { get; }

        /// <summary>The job's state: Running, Stopped, Failed (a JobState name).</summary>
        public string State { get; }

        /// <summary>A BalancingAlgorithm name.</summary>
        public string Algorithm { get; }

        /// <summary>None, or how the balancer treats new clients while it is down (a BalancerOutage name).</summary>
        public string Outage { get; }

        public long Accepted { get; }

        public long Served { get; }

        public int Active { get; }

        public long Failed { get; }

        public long Retried { get; }

        public long Redispatched { get; }

        public long Rejected { get; }

        public long LoopsCut { get; }

        public long Denied { get; }

        public long SourceLimited { get; }

        public long BadProxyHeaders { get; }

        /// <summary>Clients that reset while queued, dropped before any backend (part of Failed).</summary>
        public long AbandonedInQueue { get; }

        public int Queued { get; }

        public long SentToBackup { get; }

        public long ToxicConnections { get; }

        public long BytesFromClients { get; }

        public long BytesFromBackends { get; }

        /// <summary>Event records the job dropped because nobody received them (Receive-Job) before its cap.</summary>
        public long DroppedOutput { get; }

        /// <summary>When the snapshot was taken.</summary>
        public DateTimeOffset Timestamp { get; }
    }
}
