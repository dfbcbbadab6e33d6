using System;
using System.Threading;

namespace TcpLb.Engine.Proxying
{
    /// <summary>
    /// When bytes last moved on a connection: one field write per read. Environment.TickCount is a
    /// coarse monotonic clock that costs nanoseconds; differences stay right across its wrap.
    /// </summary>
    internal class ActivityStamp
    {
        private int _lastActivity = Environment.TickCount;

        /// <summary>Milliseconds since bytes last moved either way.</summary>
        public int IdleMilliseconds => unchecked(Environment.TickCount - Volatile.Read(ref _lastActivity));

        internal void Touch() => Volatile.Write(ref _lastActivity, Environment.TickCount);
    }
}
