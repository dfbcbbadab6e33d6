namespace TcpLb.Configuration.Reload
{
    /// <summary>One difference between a running balancer and the configuration wanted for it.</summary>
    public sealed class BalancerChange
    {
        public BalancerChange(BalancerChangeKind kind, string? backend, string? setting, string? oldValue, string? newValue)
        {
            Kind = kind;
            Backend = backend;
            Setting = setting;
            Old = oldValue;
            New = newValue;
        }

        public BalancerChangeKind Kind { get; }

        /// <summary>The backend's address, for backend changes; null otherwise.</summary>
        public string? Backend { get; }

        /// <summary>The setting, named as Start-TcpBalancer's parameter (or the backend setting); null for added and removed backends.</summary>
        public string? Setting { get; }

        /// <summary>The value in force now; null for an added backend.</summary>
        public string? Old { get; }

        /// <summary>The value wanted; null for a removed backend.</summary>
        public string? New { get; }

        /// <summary>One readable line, as -WhatIf and -Verbose show it.</summary>
        public override string ToString()
        {
            switch (Kind)
            {
                case BalancerChangeKind.BackendAdded:
                    return $"Add backend {New}";
                case BalancerChangeKind.BackendRemoved:
                    return $"Remove backend {Old} (open connections finish)";
                case BalancerChangeKind.WeightChanged:
                case BalancerChangeKind.BackendChanged:
                    return $"Backend {Backend}: {Setting} {Old} -> {New}";
                case BalancerChangeKind.NotChangeable:
                    return $"{Setting} cannot change while the balancer runs ({Old} -> {New})";
                default:
                    return $"{Setting} {Old} -> {New}";
            }
        }
    }
}
