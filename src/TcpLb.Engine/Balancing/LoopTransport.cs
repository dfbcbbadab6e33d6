using System;
using System.Net;
using TcpLb.Engine.Net;
using TcpLb.Engine.Net.EventLoop;
using TcpLb.Engine.Proxying.Loop;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// The balancer on the engine's own event loops (Linux): a <see cref="RelayListener"/> (one
    /// SO_REUSEPORT listener per loop) whose clients each get a <see cref="LoopClient"/> that runs
    /// the pipeline from the relay's events. This class is the listener the balancer's
    /// <see cref="TcpServer"/> uses in place of its accept loops (<see cref="IOwnListener"/>), the
    /// admission (a new client) and the observer (each event to the client's <see cref="LoopClient"/>).
    /// One scheduler serves every loop (the picker's), so round robin stays exact.
    /// </summary>
    internal sealed class LoopTransport : IOwnListener, IRelayAdmission, IRelayObserver
    {
        private readonly RelayListener _listener;
        private readonly Action _closed;
        private PortHolder? _portHolder; // while the listeners are closed (TcpServer calls under its listen gate)

        public LoopTransport(TcpBalancer balancer, IPEndPoint requested, ConnectionAdmission admission, BackendPicker picker, ConnectionAttempts attempts, ConnectionTable connections, BalancerUpkeep upkeep, Action opened, Action closed)
        {
            Balancer = balancer;
            Admission = admission;
            Picker = picker;
            Attempts = attempts;
            Connections = connections;
            Upkeep = upkeep;
            Opened = opened;
            _closed = closed;
            ReferencedAssemblies.Load();
            var options = new RelayListenerOptions
            {
                ListenEndPoint = requested,
                Timeouts = TimeoutsOf(balancer.Options),
                Trace = balancer.LoopTrace,
            };
            _listener = new RelayListener(options, this, this);
            // Bound by now: only a backend socket to this port can lead back here (the loop guard).
            upkeep.Outgoing.ListenPort = _listener.LocalEndPoint.Port;
        }

        public TcpBalancer Balancer { get; }

        public ConnectionAdmission Admission { get; }

        public BackendPicker Picker { get; }

        public ConnectionAttempts Attempts { get; }

        public ConnectionTable Connections { get; }

        public BalancerUpkeep Upkeep { get; }

        private Action Opened { get; }

        public IPEndPoint LocalEndPoint => _listener.LocalEndPoint;

        /// <summary>The loops the balancer's connections run on (tests read what each loop thread allocates).</summary>
        internal EpollLoop[] Loops => _listener.Loops;

        /// <summary>The relay's deadlines from the balancer's settings (0: none).</summary>
        public static RelayTimeouts TimeoutsOf(TcpBalancerOptions options)
            => new RelayTimeouts(
                LoopClient.Milliseconds(options.ConnectTimeout),
                LoopClient.Milliseconds(options.IdleTimeout),
                LoopClient.Milliseconds(options.FinTimeout),
                LoopClient.Milliseconds(options.ResponseTimeout));

        /// <summary>New settings reach open connections too (idle, FIN, response) and the next connect.</summary>
        public void ApplyTimeouts(TcpBalancerOptions options) => _listener.Connections.ApplyTimeouts(TimeoutsOf(options));

        /// <summary>The outage Hold ended: held clients are reset.</summary>
        public void ReleaseHeld() => _listener.Connections.ReleaseHeld();

        public void Start() => _listener.Start();

        /// <summary>
        /// The outage Refuse: the loops' listeners close (new clients refused) while a bound,
        /// non-listening socket keeps the port (SO_REUSEPORT, as the listeners: they bind beside it
        /// again), as the stream path's paused listener keeps it.
        /// </summary>
        public void StopListening()
        {
            _portHolder ??= PortHolder.Hold(LocalEndPoint);
            _listener.StopListening();
        }

        public void StartListening()
        {
            _listener.StartListening();
            _portHolder?.Dispose();
            _portHolder = null;
        }

        public void Dispose()
        {
            _listener.Dispose();
            _portHolder?.Dispose();
        }

        internal void OnClientClosed() => _closed();

        void IRelayAdmission.OnAccepted(IRelayConnection connection)
        {
            var client = new LoopClient(this, (LoopRelayConnection)connection);
            connection.State = client;
            Opened();
            client.Start();
        }

        private static LoopClient Of(IRelayConnection connection) => (LoopClient)connection.State!;

        int IRelayObserver.OnClientPreamble(IRelayConnection connection, byte[] bytes, int count) => Of(connection).OnPreamble(bytes, count);

        void IRelayObserver.OnConnected(IRelayConnection connection) => Of(connection).OnConnected();

        void IRelayObserver.OnConnectFailed(IRelayConnection connection, int errno) => Of(connection).OnConnectFailed(errno);

        void IRelayObserver.OnFirstServerByte(IRelayConnection connection) => Of(connection).OnFirstServerByte();

        void IRelayObserver.OnHalfClosed(IRelayConnection connection, RelaySide from)
        {
        }

        void IRelayObserver.OnReset(IRelayConnection connection, RelaySide from, int errno) => Of(connection).OnReset(from);

        void IRelayObserver.OnTimedOut(IRelayConnection connection, RelayTimeout which) => Of(connection).OnTimedOut(which);

        void IRelayObserver.OnEnding(IRelayConnection connection)
        {
            if (connection.State is LoopClient client)
            {
                client.OnEnding();
            }
        }

        void IRelayObserver.OnClosed(IRelayConnection connection)
        {
            // A connection closed before its admission saw it (a stop in between) has no client.
            if (connection.State is LoopClient client)
            {
                client.OnClosed();
            }
        }

        void IRelayObserver.OnServerFailedBeforeResponse(IRelayConnection connection, bool movable) => Of(connection).OnServerFailedBeforeResponse(movable);
    }
}
