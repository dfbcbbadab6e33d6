using System;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Net.EventLoop;

namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>
    /// A relay with no features, on the engine's own loops: accept, connect to the next backend
    /// round robin (exact across loops), carry bytes both ways; optionally hold client bytes for
    /// replay, read a preamble, or hold every client (tests). It proves the loop (tests, the bench)
    /// and is the pattern the balancer follows: a <see cref="RelayListener"/> with an
    /// <see cref="IRelayAdmission"/> and an <see cref="IRelayObserver"/>.
    /// </summary>
    internal sealed class LoopRelay : IRelayAdmission, IDisposable
    {
        private readonly LoopRelayOptions _options;
        private readonly NativeEndPoint[] _backends;
        private readonly RelayListener _listener;
        private int _nextBackend = -1;

        public LoopRelay(LoopRelayOptions options)
        {
            _options = options ?? throw new ArgumentNullException(nameof(options));
            if (options.Backends.Count == 0)
            {
                throw new ArgumentException("The relay needs at least one backend.", nameof(options));
            }
            _backends = new NativeEndPoint[options.Backends.Count];
            for (int i = 0; i < _backends.Length; i++)
            {
                _backends[i] = new NativeEndPoint(options.Backends[i]);
            }
            _listener = new RelayListener(options, options.Observer, this);
        }

        public IPEndPoint LocalEndPoint => _listener.LocalEndPoint;

        internal EpollLoop[] Loops => _listener.Loops;

        /// <summary>The open connections, by loop: live deadlines (<see cref="RelayConnectionSet.ApplyTimeouts"/>), the outage hold.</summary>
        internal RelayConnectionSet Connections => _listener.Connections;

        public void Start() => _listener.Start();

        /// <summary>The accepting half: stop and start listening (outage Refuse) through it.</summary>
        internal RelayListener Listener => _listener;

        void IRelayAdmission.OnAccepted(IRelayConnection connection)
        {
            if (_options.HoldClients)
            {
                connection.HoldForOutage();
                return;
            }
            if (_options.ReplayCapacity > 0)
            {
                connection.HoldClientBytes(_options.ReplayCapacity);
            }
            if (_options.PreambleMaxBytes > 0)
            {
                connection.ReadPreamble(_options.PreambleMaxBytes, _options.PreambleTimeoutMilliseconds);
                return;
            }
            connection.ConnectTo(_backends[(int)((uint)Interlocked.Increment(ref _nextBackend) % (uint)_backends.Length)]);
        }

        /// <summary>Moves a live connection to another loop of the relay (see <see cref="RelayListener.RequestMove"/>).</summary>
        internal Task<bool> RequestMove(LoopRelayConnection connection, int targetLoop) => _listener.RequestMove(connection, targetLoop);

        /// <summary>Stops every loop: listeners closed, connections reset, threads joined; the port is free when this returns.</summary>
        public void Dispose() => _listener.Dispose();
    }
}
