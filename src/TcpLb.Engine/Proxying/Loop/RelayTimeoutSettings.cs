using System.Threading;

namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>
    /// The deadlines of every connection of one relay, shared and live: a connection reads them each
    /// time it arms or fires its timer, so a reload reaches open connections (with
    /// <see cref="RelayConnectionSet.ApplyTimeouts"/>, which also re-arms them at once). Written from
    /// any thread, read on the loops; each value on its own (a reader may see a new idle limit with
    /// an old FIN limit for a moment, which is harmless).
    /// </summary>
    internal sealed class RelayTimeoutSettings
    {
        private int _connect;
        private int _idle;
        private int _fin;
        private int _response;

        public RelayTimeoutSettings(RelayTimeouts timeouts) => Set(timeouts);

        public int ConnectMilliseconds => Volatile.Read(ref _connect);

        public int IdleMilliseconds => Volatile.Read(ref _idle);

        public int FinMilliseconds => Volatile.Read(ref _fin);

        public int ResponseMilliseconds => Volatile.Read(ref _response);

        public RelayTimeouts Current => new RelayTimeouts(ConnectMilliseconds, IdleMilliseconds, FinMilliseconds, ResponseMilliseconds);

        public void Set(RelayTimeouts timeouts)
        {
            Volatile.Write(ref _connect, timeouts.ConnectMilliseconds);
            Volatile.Write(ref _idle, timeouts.IdleMilliseconds);
            Volatile.Write(ref _fin, timeouts.FinMilliseconds);
            Volatile.Write(ref _response, timeouts.ResponseMilliseconds);
        }
    }
}
