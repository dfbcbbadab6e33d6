using System.Collections.Generic;
using TcpLb.Engine.Balancing;

namespace TcpLb.Configuration
{
    /// <summary>Algorithm names in files and on the command line: the enum's names and the short forms, without case, '_' or '-'.</summary>
    public static class AlgorithmName
    {
        public const string Accepted = "RoundRobin (RR), WeightedRoundRobin (WRR), LeastConnections (LC, LeastConn), PowerOfTwoChoices (P2C), SourceHash (Hash), Random, First";

        private static readonly Dictionary<string, BalancingAlgorithm> Names = Build();

        public static bool TryParse(string text, out BalancingAlgorithm algorithm) => Names.TryGetValue(ConfigurationKey.Normalize(text), out algorithm);

        private static Dictionary<string, BalancingAlgorithm> Build()
        {
            var names = new Dictionary<string, BalancingAlgorithm>();
            foreach (BalancingAlgorithm algorithm in System.Enum.GetValues(typeof(BalancingAlgorithm)))
            {
                names[ConfigurationKey.Normalize(algorithm.ToString())] = algorithm;
            }
            names["rr"] = BalancingAlgorithm.RoundRobin;
            names["wrr"] = BalancingAlgorithm.WeightedRoundRobin;
            names["lc"] = BalancingAlgorithm.LeastConnections;
            names["leastconn"] = BalancingAlgorithm.LeastConnections;
            names["p2c"] = BalancingAlgorithm.PowerOfTwoChoices;
            names["hash"] = BalancingAlgorithm.SourceHash;
            return names;
        }
    }
}
