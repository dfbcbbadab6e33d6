using System;

namespace TcpLb.Engine.Balancing.Scheduling
{
    /// <summary>
    /// A pool split into its primaries and its backups, in pool order. Made once per pool
    /// snapshot (the pool array changes only when a backend is added or removed).
    /// </summary>
    internal sealed class PoolTiers
    {
        private static readonly Backend[] None = new Backend[0];

        public PoolTiers(Backend[] pool)
        {
            Pool = pool;
            if (Array.Exists(pool, b => b.IsBackup))
            {
                Primaries = Array.FindAll(pool, b => !b.IsBackup);
                Backups = Array.FindAll(pool, b => b.IsBackup);
            }
            else
            {
                Primaries = pool;
                Backups = None;
            }
        }

        /// <summary>The snapshot these tiers were made from.</summary>
        public Backend[] Pool { get; }

        public Backend[] Primaries { get; }

        public Backend[] Backups { get; }
    }
}
