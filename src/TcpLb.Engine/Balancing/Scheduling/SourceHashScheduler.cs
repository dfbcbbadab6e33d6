using System;
using System.Net;

namespace TcpLb.Engine.Balancing.Scheduling
{
    /// <summary>
    /// Consistent hashing of the client address by weighted rendezvous (highest random weight)
    /// hashing: each candidate scores -weight / ln(u), u a hash of (client, backend address) in
    /// (0, 1), and the highest score wins. A client keeps its backend while that backend is a
    /// candidate; when it is not (Down, full, removed) only its clients move, each to its own
    /// next-best backend, and a backend that joins takes only the clients it now outscores:
    /// its weight's share (1/N of the clients for equal weights), no more. Chosen over a ring
    /// of virtual nodes because it needs no structure to rebuild when the pool, a weight or a
    /// state changes, its movement is the minimum with no virtual-node variance, and weights are
    /// exact; a pick costs one hash and one logarithm per backend, small for a pool of tens.
    /// Slow start does not apply (it would move clients back and forth while a backend ramps).
    /// </summary>
    internal sealed class SourceHashScheduler : BackendScheduler
    {
        public override bool UsesClientAddress => true;

        protected override Backend? PickFrom(Backend[] backends, Tier tier, in PickRequest request)
        {
            Backend? best = null;
            double bestScore = 0;
            foreach (Backend backend in backends)
            {
                if (!request.IsCandidate(backend))
                {
                    continue;
                }
                double score = Score(request.ClientHash, backend);
                if (best == null || score > bestScore)
                {
                    best = backend;
                    bestScore = score;
                }
            }
            return best;
        }

        internal static double Score(ulong clientHash, Backend backend)
        {
            ulong h = Mix(clientHash ^ backend.AddressHash);
            double u = ((h >> 11) + 0.5) * (1.0 / (1UL << 53)); // in (0, 1), never 0 or 1
            return -backend.Weight / Math.Log(u);
        }

        /// <summary>A stable hash of a client address (the same in every process); IPv4-mapped IPv6 counts as IPv4.</summary>
        public static ulong HashOf(IPAddress address)
        {
            if (address.IsIPv4MappedToIPv6)
            {
                address = address.MapToIPv4();
            }
            return Mix(Fnv1a(address.GetAddressBytes()));
        }

        /// <summary>A stable hash of a backend's address text.</summary>
        public static ulong HashOf(string text)
        {
            ulong hash = 14695981039346656037UL;
            foreach (char c in text)
            {
                hash = unchecked((hash ^ c) * 1099511628211UL);
            }
            return Mix(hash);
        }

        private static ulong Fnv1a(byte[] bytes)
        {
            ulong hash = 14695981039346656037UL;
            foreach (byte b in bytes)
            {
                hash = unchecked((hash ^ b) * 1099511628211UL);
            }
            return hash;
        }

        /// <summary>SplitMix64's finaliser: every input bit reaches every output bit.</summary>
        internal static ulong Mix(ulong x)
        {
            unchecked
            {
                x ^= x >> 30;
                x *= 0xBF58476D1CE4E5B9UL;
                x ^= x >> 27;
                x *= 0x94D049BB133111EBUL;
                x ^= x >> 31;
                return x;
            }
        }
    }
}
