using System.Threading;
using TcpLb.Engine.Net;

namespace TcpLb.Engine.Proxying
{
    /// <summary>When bytes last moved on a connection, in coarse-clock milliseconds: one field write per read.</summary>
    public class ActivityStamp
    {
        private long _lastActivityMs = CoarseClock.NowMs;

        public long LastActivityMs => Volatile.Read(ref _lastActivityMs);

        internal void Touch() => Volatile.Write(ref _lastActivityMs, CoarseClock.NowMs);
    }
}
