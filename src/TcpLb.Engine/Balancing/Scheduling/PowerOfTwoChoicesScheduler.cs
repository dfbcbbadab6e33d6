namespace TcpLb.Engine.Balancing.Scheduling
{
    /// <summary>
    /// Two different random candidates (weighted by slow-start weight); the one with fewer open
    /// connections per unit of weight wins, the first drawn on a tie. Nearly as even as least
    /// connections without reading every backend's counter on each pick's decision, and no herd
    /// on the one emptiest backend when many balancers share a pool.
    /// </summary>
    internal sealed class PowerOfTwoChoicesScheduler : BackendScheduler
    {
        protected override Backend? PickFrom(Backend[] backends, Tier tier, in PickRequest request)
        {
            Backend? first = WeightedDraw.Draw(backends, request);
            if (first == null)
            {
                return null;
            }
            Backend? second = WeightedDraw.Draw(backends, request, except: first);
            if (second == null)
            {
                return first;
            }
            return LeastConnectionsScheduler.Load(second) < LeastConnectionsScheduler.Load(first) ? second : first;
        }
    }
}
