namespace TcpLb.Engine.Balancing.Scheduling
{
    /// <summary>A random candidate, weighted by (slow-start) weight.</summary>
    internal sealed class RandomScheduler : BackendScheduler
    {
        protected override Backend? PickFrom(Backend[] backends, Tier tier, in PickRequest request) => WeightedDraw.Draw(backends, request);
    }
}
