using System.Threading;

namespace TcpLb.Engine.Proxying
{
    /// <summary>A byte counter shared by many connections; fixed size whatever the traffic.</summary>
    public sealed class TrafficCounter
    {
        private long _bytes;

        public long Bytes => Volatile.Read(ref _bytes);

        internal void Add(int count) => Interlocked.Add(ref _bytes, count);
    }
}
