namespace TcpLb.Engine.Balancing.Scheduling
{
    /// <summary>
    /// What a pick knows of the connection: its client's address hash (for
    /// <see cref="SourceHashScheduler"/>) and the backends already tried for it.
    /// </summary>
    internal readonly struct PickRequest
    {
        public PickRequest(ulong clientHash, Backend?[]? excluded, int excludedCount)
        {
            ClientHash = clientHash;
            Excluded = excluded;
            ExcludedCount = excludedCount;
        }

        public ulong ClientHash { get; }

        public Backend?[]? Excluded { get; }

        public int ExcludedCount { get; }

        /// <summary>Available (Up, below its limit) and not yet tried for this connection.</summary>
        public bool IsCandidate(Backend backend) => backend.IsAvailable && !IsExcluded(backend);

        public bool IsExcluded(Backend backend)
        {
            for (int i = 0; i < ExcludedCount; i++)
            {
                if (ReferenceEquals(Excluded![i], backend))
                {
                    return true;
                }
            }
            return false;
        }
    }
}
