using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// The pool and its administration: backends made from their definitions, added, removed,
    /// disabled (reset now, or drained), enabled, reweighted and updated while the balancer runs.
    /// Every change is for new connections; open ones finish where they are unless disabled.
    /// </summary>
    internal sealed class PoolAdministration
    {
        private readonly TcpBalancer _balancer;
        private readonly ConnectionTable _connections;
        private readonly OutgoingConnections _outgoing;
        private BackendPicker? _picker;

        /// <summary>The pool of <paramref name="options"/>' backends, in their order.</summary>
        public PoolAdministration(TcpBalancer balancer, TcpBalancerOptions options, ConnectionTable connections, OutgoingConnections outgoing)
        {
            _balancer = balancer;
            _connections = connections;
            _outgoing = outgoing;
            var backends = new List<Backend>(options.Backends.Count);
            foreach (BackendDefinition definition in options.Backends)
            {
                backends.Add(Create(definition, options));
            }
            Pool = new BackendPool(backends);
        }

        public BackendPool Pool { get; }

        /// <summary>The pick over this pool, told when a backend can take connections again (set once, right after the constructor).</summary>
        public BackendPicker Picker
        {
            private get => _picker ?? throw new InvalidOperationException("The pool has no picker yet.");
            set => _picker = value;
        }

        /// <summary>A backend for <paramref name="definition"/> with the balancer's defaults (limit, slow start), its state changes raised by the balancer.</summary>
        public Backend Create(BackendDefinition definition, TcpBalancerOptions options)
        {
            int maxConnections = definition.MaxConnections ?? options.BackendMaxConnections;
            var backend = new Backend(definition.Address, maxConnections, definition.Weight, definition.Backup)
            {
                Outgoing = _outgoing,
                SlowStartTicks = SlowStartTicks(options),
                SendProxyProtocol = definition.SendProxyProtocol,
            };
            backend.StateChanged += (sender, e) => _balancer.RaiseBackendStateChanged(e);
            return backend;
        }

        public Backend Add(BackendDefinition definition)
        {
            Backend backend = Create(definition, _balancer.Options);
            IPEndPoint listener = _balancer.LocalEndPoint;
            SelfLoopGuard.EnsureNotSelf(backend, listener);
            RunningBalancers.EnsureNoLoopThroughOthers(_balancer, backend, listener);
            Pool.Add(backend);
            _balancer.RaiseBackendStateChanged(new BackendStateChangedEventArgs(backend, null, backend.State, "added to the pool"));
            return backend;
        }

        public bool Remove(BackendAddress address)
        {
            Backend? removed = Pool.Remove(address);
            removed?.SetAdminState(BackendState.Removed, "removed from the pool; open connections finish");
            return removed != null;
        }

        public bool Disable(BackendAddress address, bool drain)
        {
            Backend? backend = Pool.Find(address);
            if (backend == null)
            {
                return false;
            }
            if (drain)
            {
                backend.SetAdminState(BackendState.Draining, "disabled with drain: open connections finish");
            }
            else
            {
                backend.SetAdminState(BackendState.Disabled, "disabled: open connections closed");
                _connections.AbortWhere(c => ReferenceEquals(c.Backend, backend));
            }
            return true;
        }

        public bool Enable(BackendAddress address)
        {
            Backend? backend = Pool.Find(address);
            backend?.SetAdminState(BackendState.Up, "enabled");
            if (backend != null)
            {
                Picker.SignalOne();
            }
            return backend != null;
        }

        public bool SetWeight(BackendAddress address, int weight)
        {
            Backend? backend = Pool.Find(address);
            backend?.SetWeight(weight);
            return backend != null;
        }

        public bool Update(BackendDefinition definition, TcpBalancerOptions options)
        {
            Backend? backend = Pool.Find(definition.Address);
            if (backend == null)
            {
                return false;
            }
            backend.SetBackup(definition.Backup);
            backend.SetMaxConnections(definition.MaxConnections ?? options.BackendMaxConnections);
            Picker.SignalAll();
            return true;
        }

        /// <summary>A new slow start applies from each backend's next return to Up; a ramp under way keeps its length.</summary>
        public void ApplySlowStart(TcpBalancerOptions options)
        {
            foreach (Backend backend in Pool.Snapshot)
            {
                backend.SlowStartTicks = SlowStartTicks(options);
            }
        }

        /// <summary>The pool as definitions (a limit equal to the balancer's default is left out).</summary>
        public void Describe(IList<BackendDefinition> into, int defaultMaxConnections)
        {
            into.Clear();
            foreach (Backend backend in Pool.Snapshot)
            {
                int? limit = backend.MaxConnections == defaultMaxConnections ? (int?)null : backend.MaxConnections;
                into.Add(new BackendDefinition(backend.Address, backend.Weight, backend.IsBackup, limit, backend.SendProxyProtocol));
            }
        }

        /// <summary>Refuses a backend that is this listener, now that the real port is known (port 0 too).</summary>
        public void EnsureNoLoops(IPEndPoint localEndPoint)
        {
            foreach (Backend backend in Pool.Snapshot)
            {
                SelfLoopGuard.EnsureNotSelf(backend, localEndPoint);
                RunningBalancers.EnsureNoLoopThroughOthers(_balancer, backend, localEndPoint);
            }
        }

        private static long SlowStartTicks(TcpBalancerOptions options) => (long)(options.SlowStart.TotalSeconds * Stopwatch.Frequency);
    }
}
