namespace TcpLb.Engine.Balancing.Scheduling
{
    /// <summary>A random candidate with probability proportional to its (slow-start) weight: two passes over the tier, no allocation.</summary>
    internal static class WeightedDraw
    {
        /// <summary>A candidate other than <paramref name="except"/>, or null when there is none.</summary>
        public static Backend? Draw(Backend[] backends, in PickRequest request, Backend? except = null)
        {
            double total = 0;
            Backend? last = null;
            foreach (Backend backend in backends)
            {
                if (!ReferenceEquals(backend, except) && request.IsCandidate(backend))
                {
                    total += backend.EffectiveWeight;
                    last = backend;
                }
            }
            if (last == null)
            {
                return null;
            }
            double point = FastRandom.NextDouble() * total;
            foreach (Backend backend in backends)
            {
                if (!ReferenceEquals(backend, except) && request.IsCandidate(backend))
                {
                    point -= backend.EffectiveWeight;
                    if (point < 0)
                    {
                        return backend;
                    }
                }
            }
            // Rounding, or a backend that stopped being a candidate between the passes.
            return last.IsAvailable ? last : null;
        }
    }
}
