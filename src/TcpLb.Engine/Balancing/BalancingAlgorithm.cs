namespace TcpLb.Engine.Balancing
{
    /// <summary>How a balancer picks the backend for a new connection.</summary>
    public enum BalancingAlgorithm
    {
        /// <summary>Each backend in turn, in pool order.</summary>
        RoundRobin,

        /// <summary>Smooth weighted round robin, as nginx does it: weights 5,1,1 give a a b a c a a.</summary>
        WeightedRoundRobin,

        /// <summary>The backend with the fewest open connections per unit of weight; ties in turn.</summary>
        LeastConnections,

        /// <summary>Two random backends (by weight); the one with fewer open connections wins.</summary>
        PowerOfTwoChoices,

        /// <summary>Consistent hashing of the client address: a client keeps its backend while the pool allows.</summary>
        SourceHash,

        /// <summary>A random backend, by weight.</summary>
        Random,

        /// <summary>The first backend in pool order that has a free slot (fill one, then the next).</summary>
        First,
    }
}
