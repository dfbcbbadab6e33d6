namespace TcpLb.Configuration.Reload
{
    /// <summary>What one change of a live reload does.</summary>
    public enum BalancerChangeKind
    {
        /// <summary>A backend joins the pool (at the end of the rotation) and gets new connections at once.</summary>
        BackendAdded,

        /// <summary>A backend leaves the pool: no new connections, its open connections finish (drain).</summary>
        BackendRemoved,

        /// <summary>A backend's weight changes, for new connections.</summary>
        WeightChanged,

        /// <summary>A backend's backup flag or connection limit changes in place, for new connections.</summary>
        BackendChanged,

        /// <summary>The balancing algorithm changes, for new connections.</summary>
        AlgorithmChanged,

        /// <summary>A timeout, limit, retry or health-check setting changes, for new connections.</summary>
        SettingChanged,

        /// <summary>A setting that cannot change while the balancer runs (listen address, port): the reload is refused.</summary>
        NotChangeable,
    }
}
