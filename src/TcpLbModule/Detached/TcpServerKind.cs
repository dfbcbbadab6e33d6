namespace TcpLbModule.Detached
{
    /// <summary>What a detached server runs: a balancer (Start-TcpBalancer) or a test backend (Start-TcpBackend).</summary>
    public enum TcpServerKind
    {
        Balancer,
        Backend,
    }
}
