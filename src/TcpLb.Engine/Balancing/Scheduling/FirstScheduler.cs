namespace TcpLb.Engine.Balancing.Scheduling
{
    /// <summary>
    /// The first candidate in pool order: a backend gets connections until it is full (its
    /// connection limit), then the next one does (HAProxy's <c>balance first</c>). Without a
    /// limit every connection goes to the first backend that is Up. Weights and slow start do not apply.
    /// </summary>
    internal sealed class FirstScheduler : BackendScheduler
    {
        protected override Backend? PickFrom(Backend[] backends, Tier tier, in PickRequest request)
        {
            foreach (Backend backend in backends)
            {
                if (request.IsCandidate(backend))
                {
                    return backend;
                }
            }
            return null;
        }
    }
}
