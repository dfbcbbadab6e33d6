using System;
using System.Net.Sockets;
using System.Threading;
using TcpLb.Engine.Net;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// What runs beside the connection pipeline: the sweeper (idle and response timeouts, one
    /// timer for all connections), the health prober and its restarts on new settings, the loop
    /// guard (the balancer's own outgoing connections, cut when one comes back as a client), and
    /// the episodes of running out of file descriptors. It costs the data path nothing per read or write.
    /// </summary>
    internal sealed class BalancerUpkeep
    {
        private readonly TcpBalancer _balancer;
        private readonly BackendPool _pool;
        private readonly ConnectionTable _connections;
        private readonly Func<ProxyConnection, bool> _isOverdue;
        private readonly Action<ProxyConnection> _endOverdue;
        private readonly WarningGate _loopWarnings = new WarningGate(TimeSpan.FromMinutes(1));
        private readonly WarningGate _errorWarnings = new WarningGate(TimeSpan.FromMinutes(1));
        private volatile HealthProber? _prober;
        private CancellationTokenSource? _proberStop;
        private long _idleLimit;
        private int _responseLimit;
        private Timer? _sweeper;
        private Timer? _outgoingPruner;
        private int _descriptorsExhausted;

        public BalancerUpkeep(TcpBalancer balancer, BackendPool pool, ConnectionTable connections, OutgoingConnections outgoing, TcpBalancerOptions options)
        {
            _balancer = balancer;
            Outgoing = outgoing;
            _pool = pool;
            _connections = connections;
            if (options.HealthCheck.Enabled)
            {
                _prober = new HealthProber(_pool, options.HealthCheck, options.BackendTls);
            }
            SetTimeoutLimits(options);
            // Made once: the sweep runs several times a second and allocates nothing when nothing is overdue.
            _isOverdue = IsOverdue;
            _endOverdue = EndOverdue;
        }

        /// <summary>The balancer's own outgoing backend sockets (the loop guard's record).</summary>
        public OutgoingConnections Outgoing { get; }

        /// <summary>Whether health checks run (passive failures then count towards Down).</summary>
        public bool HasProber => _prober != null;

        private CancellationToken Stopping => _balancer.StopToken;

        /// <summary>Starts the loop guard, the checks and the sweeper. Called under the balancer's reconfigure lock.</summary>
        public void Start(TcpBalancerOptions options)
        {
            StartLoopGuard();
            HealthProber? prober = _prober;
            if (prober != null)
            {
                _proberStop = CancellationTokenSource.CreateLinkedTokenSource(Stopping);
                _ = prober.RunAsync(_proberStop.Token);
            }
            ScheduleSweeper(options);
        }

        /// <summary>The stop: no more sweeps. Called under the balancer's reconfigure lock.</summary>
        public void Stop()
        {
            _sweeper?.Dispose();
            _sweeper = null;
        }

        /// <summary>
        /// New settings: the timeout limits (read by each sweep, so open connections get them too),
        /// the sweep period, and the checks, restarted when they changed. Called under the
        /// balancer's reconfigure lock.
        /// </summary>
        public void Apply(TcpBalancerOptions previous, TcpBalancerOptions next, bool started)
        {
            SetTimeoutLimits(next);
            if (started)
            {
                ScheduleSweeper(next);
                if (!SameHealthChecks(previous.HealthCheck, next.HealthCheck))
                {
                    RestartProber(next);
                }
            }
            else
            {
                // Not started yet: Start runs the checks as they are now.
                _prober = next.HealthCheck.Enabled ? new HealthProber(_pool, next.HealthCheck, next.BackendTls) : null;
            }
        }

        private void SetTimeoutLimits(TcpBalancerOptions options)
        {
            Volatile.Write(ref _idleLimit, options.IdleTimeout == Timeout.InfiniteTimeSpan ? long.MaxValue : (long)options.IdleTimeout.TotalMilliseconds);
            Volatile.Write(ref _responseLimit, (int)options.ResponseTimeout.TotalMilliseconds);
        }

        /// <summary>One sweeper serves both timeouts: no timer per connection.</summary>
        private void ScheduleSweeper(TcpBalancerOptions options)
        {
            if (Stopping.IsCancellationRequested)
            {
                return;
            }
            long period = long.MaxValue;
            if (options.IdleTimeout != Timeout.InfiniteTimeSpan)
            {
                period = (long)options.IdleTimeout.TotalMilliseconds / 4;
            }
            if (options.ResponseTimeout > TimeSpan.Zero)
            {
                period = Math.Min(period, (long)options.ResponseTimeout.TotalMilliseconds / 10);
            }
            if (period == long.MaxValue)
            {
                _sweeper?.Change(Timeout.Infinite, Timeout.Infinite);
                return;
            }
            period = Math.Max(50, Math.Min(1000, period));
            if (_sweeper == null)
            {
                _sweeper = new Timer(_ => Sweep(), null, period, period);
            }
            else
            {
                _sweeper.Change(period, period);
            }
        }

        /// <summary>Stops the running checks and starts them with new settings (or none).</summary>
        private void RestartProber(TcpBalancerOptions options)
        {
            _proberStop?.Cancel();
            _proberStop?.Dispose();
            _proberStop = null;
            HealthProber? prober = options.HealthCheck.Enabled ? new HealthProber(_pool, options.HealthCheck, options.BackendTls) : null;
            _prober = prober;
            if (prober != null)
            {
                _proberStop = CancellationTokenSource.CreateLinkedTokenSource(Stopping);
                _ = prober.RunAsync(_proberStop.Token);
            }
        }

        private static bool SameHealthChecks(HealthCheckOptions a, HealthCheckOptions b)
            => a.Interval == b.Interval && a.Timeout == b.Timeout && a.Rise == b.Rise && a.Fall == b.Fall
               && a.Send == b.Send && a.ExpectPrefix == b.ExpectPrefix;

        /// <summary>
        /// Resets connections idle past the idle timeout, and times out the backend of those whose
        /// client has waited past the response timeout for a first byte (the pump then moves or
        /// resets the connection).
        /// </summary>
        private void Sweep() => _connections.ForEachWhere(_isOverdue, _endOverdue);

        private bool IsOverdue(ProxyConnection c)
        {
            int responseLimit = Volatile.Read(ref _responseLimit);
            // A loop connection is timed out by its loop.
            return c.Relay == null && c.IdleMilliseconds >= Volatile.Read(ref _idleLimit) || (c.Relay == null && responseLimit > 0 && c.Pending != null && c.Pending.IsOverdue(c.IdleMilliseconds, responseLimit));
        }

        private void EndOverdue(ProxyConnection c)
        {
            if (c.IdleMilliseconds >= Volatile.Read(ref _idleLimit))
            {
                c.Abort();
                _balancer.Tracer.IdleTimedOut(c.Client, c.Backend);
            }
            else
            {
                c.Pending!.TimeOut();
            }
        }

        private void StartLoopGuard()
        {
            RunningBalancers.Add(_balancer);
            Outgoing.SocketUnavailable = error => BeginExhaustion(error, "opening backend connections");
            Outgoing.SocketCreated = EndExhaustion;
            _outgoingPruner = new Timer(_ => Outgoing.Prune(), null, 1000, 1000);
            Stopping.Register(() => _outgoingPruner.Dispose());
        }

        /// <summary>
        /// Closes a client that is our own outgoing connection: a backend that leads back here got
        /// past the start-time check (a name or a NAT that reaches this listener). Cutting it ends
        /// the chain at its second link instead of when the process runs out of descriptors.
        /// </summary>
        public bool CutIfLoop(Socket client)
        {
            if (!Outgoing.IsOwn(client))
            {
                return false;
            }
            OnLoopCut(client);
            client.Abort();
            return true;
        }

        /// <summary>A client that is our own outgoing connection (either transport): counted, traced, warned once a minute; the caller closes it.</summary>
        public void OnLoopCut(TracedClient client)
        {
            long cut = _balancer.Statistics.OnLoopCut();
            _balancer.Tracer.Refused(client, "a connection from this balancer's own outgoing connection (a loop)");
            if (_loopWarnings.TryPass())
            {
                _balancer.RaiseWarning(
                    $"A backend leads back to this balancer ({Endpoints.Format(_balancer.LocalEndPoint)}): a connection from its own outgoing connection was closed ({cut} so far, see LoopsCut). Check the backends for this balancer's own address under another name.");
            }
        }

        /// <summary>A client dropped by an unexpected failure (no file descriptor for the backend socket, say) is still counted.</summary>
        public void OnDroppedByError(Socket client, Exception error)
        {
            _balancer.Statistics.OnFailed();
            _balancer.Tracer.NotServed(client, "an unexpected error: " + error.Message);
            client.Abort();
            if (_errorWarnings.TryPass())
            {
                _balancer.RaiseWarning($"A client connection was dropped by an unexpected error (counted in Failed): {error.Message}");
            }
        }

        /// <summary>An event loop caught what a connection's handler threw and reset that connection: one warning a minute.</summary>
        public void OnLoopFaulted(string loop, Exception error)
        {
            if (_errorWarnings.TryPass())
            {
                _balancer.RaiseWarning($"A connection on {loop} was reset by an unexpected error: {error.GetType().Name}: {error.Message}");
            }
        }

        /// <summary>One warning when sockets run out (accepting or connecting), not one per failure; <see cref="EndExhaustion"/> ends the episode.</summary>
        public void BeginExhaustion(SocketError error, string doing)
        {
            if (Interlocked.Exchange(ref _descriptorsExhausted, 1) == 0)
            {
                _balancer.RaiseWarning(
                    $"Balancer {Endpoints.Format(_balancer.LocalEndPoint)} cannot create sockets while {doing}: {Describe(error)}. New clients wait in the listen backlog until descriptors are free again; clients that cannot get a backend connection are reset and counted in Failed.");
            }
        }

        public void EndExhaustion()
        {
            if (Volatile.Read(ref _descriptorsExhausted) != 0 && Interlocked.Exchange(ref _descriptorsExhausted, 0) != 0)
            {
                _balancer.RaiseWarning($"Balancer {Endpoints.Format(_balancer.LocalEndPoint)} can create sockets again.", resolved: true);
            }
        }

        private static string Describe(SocketError error)
            => error == SocketError.TooManyOpenSockets
                ? "too many open files (the process or system file-descriptor limit, ulimit -n, is reached)"
                : "no buffer space or memory for a new socket (" + error + ")";
    }
}
