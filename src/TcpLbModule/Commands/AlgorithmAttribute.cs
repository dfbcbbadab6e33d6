using System.Management.Automation;
using TcpLb.Configuration;
using TcpLb.Engine.Balancing;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// -Algorithm takes what a configuration file takes: the names and their short forms (WRR,
    /// LC, P2C, Hash, ...), without case, '_' or '-'. Anything else is left to the enum's own
    /// conversion, whose error lists the names.
    /// </summary>
    internal sealed class AlgorithmAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            object? value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
            if (value is string text && AlgorithmName.TryParse(text, out BalancingAlgorithm algorithm))
            {
                return algorithm;
            }
            if (value is string other)
            {
                throw new System.ArgumentException($"'{other}' is not an algorithm. Accepted: {AlgorithmName.Accepted} (case does not count).");
            }
            return inputData;
        }
    }
}
