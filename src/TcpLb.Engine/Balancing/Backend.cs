using System;
using System.Net;
using System.Threading;
using TcpLb.Engine.Net;
using TcpLb.Engine.Proxying;

namespace TcpLb.Engine.Balancing
{
    /// <summary>One backend of a balancer: its address, resolved endpoints and live counters.</summary>
    public sealed class Backend
    {
        private readonly IPEndPoint[] _endPoints;
        private int _preferred;
        private int _active;
        private long _total;
        private long _failures;

        internal Backend(BackendAddress address)
        {
            Address = address;
            IPAddress[] addresses = Endpoints.ResolveHost(address.Host);
            _endPoints = Array.ConvertAll(addresses, a => new IPEndPoint(a, address.Port));
        }

        public BackendAddress Address { get; }

        /// <summary>Connections to this backend now open.</summary>
        public int ActiveConnections => Volatile.Read(ref _active);

        /// <summary>Connections proxied to this backend since the balancer started.</summary>
        public long TotalConnections => Volatile.Read(ref _total);

        /// <summary>Connection attempts to this backend that failed.</summary>
        public long Failures => Volatile.Read(ref _failures);

        /// <summary>Bytes read from clients and sent to this backend.</summary>
        public TrafficCounter BytesToBackend { get; } = new TrafficCounter();

        /// <summary>Bytes read from this backend and sent to clients.</summary>
        public TrafficCounter BytesFromBackend { get; } = new TrafficCounter();

        /// <summary>The endpoints to try, starting with the one that last worked.</summary>
        internal IPEndPoint[] EndPoints => _endPoints;

        internal int PreferredIndex
        {
            get => Volatile.Read(ref _preferred);
            set => Volatile.Write(ref _preferred, value);
        }

        internal void OnConnected()
        {
            Interlocked.Increment(ref _active);
            Interlocked.Increment(ref _total);
        }

        internal void OnDisconnected() => Interlocked.Decrement(ref _active);

        internal void OnConnectFailed() => Interlocked.Increment(ref _failures);

        public override string ToString() => Address.ToString();
    }
}
