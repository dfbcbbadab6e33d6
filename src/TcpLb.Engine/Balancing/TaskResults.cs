using System.Threading.Tasks;

namespace TcpLb.Engine.Balancing
{
    /// <summary>Completed tasks made once (netstandard2.0 has no cached Task&lt;bool&gt;).</summary>
    internal static class TaskResults
    {
        public static readonly Task<bool> True = Task.FromResult(true);
    }
}
