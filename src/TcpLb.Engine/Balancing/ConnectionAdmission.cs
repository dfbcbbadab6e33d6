using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Access;
using TcpLb.Engine.Net;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// The front of the connection pipeline, for each accepted client: a loop cut, the outage
    /// (refuse, hold, reset), the client's PROXY header (AcceptProxyProtocol), the access gate
    /// (rules and per-source limits), then admission under MaxConnections (at once, or after a
    /// wait in the client queue), and then <see cref="ConnectionAttempts"/>. Every client is counted
    /// once: Served, Failed, Rejected or Denied.
    /// </summary>
    internal sealed class ConnectionAdmission
    {
        private readonly TcpBalancer _balancer;
        private readonly ConnectionAttempts _attempts;
        private readonly BackendPicker _picker;
        private readonly BalancerUpkeep _upkeep;
        private readonly SourceGate _gate;
        private readonly SlotWaitQueue _clientSlots;
        private readonly WarningGate _proxyHeaderWarnings = new WarningGate(TimeSpan.FromMinutes(1));
        private int _admitted;

        public ConnectionAdmission(TcpBalancer balancer, ConnectionAttempts attempts, BackendPicker picker, BalancerUpkeep upkeep, SourceGate gate, int queueLength)
        {
            _balancer = balancer;
            _attempts = attempts;
            _picker = picker;
            _upkeep = upkeep;
            _gate = gate;
            _clientSlots = new SlotWaitQueue(queueLength);
        }

        /// <summary>Clients waiting for a slot under MaxConnections.</summary>
        public int Waiting => _clientSlots.Waiting;

        public int QueueCapacity
        {
            set => _clientSlots.Capacity = value;
        }

        /// <summary>Raised limits, a longer queue: those waiting look again.</summary>
        public void SignalAll() => _clientSlots.SignalAll();

        private BalancerStatistics Statistics => _balancer.Statistics;

        private ConnectionTracer Trace => _balancer.Tracer;

        private CancellationToken Stopping => _balancer.StopToken;

        public async Task HandleAsync(Socket client)
        {
            Statistics.OnAccepted();
            if (_upkeep.CutIfLoop(client))
            {
                return;
            }
            client.NoDelay = true;
            BalancerOutage outage = _balancer.Outage;
            if (outage != BalancerOutage.None)
            {
                // Down: the client is not served (Failed), held or reset; Refuse gets here only for
                // a connection accepted just before the listener paused.
                OnDown(client, outage);
                if (outage == BalancerOutage.Hold)
                {
                    await _balancer.HeldClients.HoldAsync(client, Stopping).ConfigureAwait(false);
                }
                else
                {
                    client.Abort();
                }
                return;
            }
            TcpBalancerOptions options = _balancer.Options;
            ProxyHeader? received = null;
            if (options.AcceptProxyProtocol)
            {
                received = await ReadProxyHeaderAsync(client, options).ConfigureAwait(false);
                if (received == null)
                {
                    return;
                }
            }
            int sourceTicket = -1;
            if (_gate.IsActive && !PassesGate(client, received, out sourceTicket))
            {
                return;
            }
            bool queued = !TryAdmit();
            if (queued && !await WaitForSlotAsync().ConfigureAwait(false))
            {
                OnNoSlot(client);
                client.Abort();
                _gate.Release(sourceTicket);
                return;
            }
            try
            {
                if (queued && _picker.CountIfAbandoned(client))
                {
                    client.Abort();
                    return;
                }
                // One snapshot for the whole connection: a reload meanwhile applies to the next one.
                TcpBalancerOptions current = _balancer.Options;
                await _attempts.RunAsync(_attempts.TransportFor(client, received, current), received, current).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _upkeep.OnDroppedByError(client, e);
            }
            finally
            {
                _gate.Release(sourceTicket);
                ReleaseAdmitted();
            }
        }

        // The steps below serve both transports: HandleAsync above (the stream path) and the loop
        // path's LoopClient, which calls them from its loop callbacks.

        /// <summary>The balancer is down: the client is not served (Failed); the caller holds or resets it.</summary>
        public void OnDown(TracedClient client, BalancerOutage outage)
        {
            Statistics.OnFailed();
            Trace.Refused(client, "the balancer is down (outage " + outage + ")");
        }

        /// <summary>A slot under MaxConnections, at once; false: wait for one (<see cref="WaitForSlotAsync"/>).</summary>
        public bool TryAdmit() => SlotCounter.TryTake(ref _admitted, _balancer.Options.MaxConnections);

        /// <summary>The client queue: true when a slot was taken within the queue timeout.</summary>
        public Task<bool> WaitForSlotAsync() => _clientSlots.WaitForSlotAsync(TryAdmit, _balancer.Options.QueueTimeout, Stopping);

        /// <summary>No slot within the queue timeout: counted (Rejected, or AbandonedInQueue when the client left meanwhile); the caller resets it.</summary>
        public void OnNoSlot(TracedClient client)
        {
            if (!_picker.CountIfAbandoned(client))
            {
                Statistics.OnRejected();
                Trace.Refused(client, $"MaxConnections ({_balancer.Options.MaxConnections}) reached and no slot within the queue timeout");
            }
        }

        /// <summary>An admitted connection is over: its slot goes to the next in the queue.</summary>
        public void ReleaseAdmitted()
        {
            // Counted whatever the limit, so a limit set by a reload sees the connections already open.
            Interlocked.Decrement(ref _admitted);
            _clientSlots.SignalOne();
        }

        public bool GateIsActive => _gate.IsActive;

        /// <summary>
        /// Access rules and per-source limits for <paramref name="source"/>: true when admitted (the
        /// ticket to release at the end); false when refused, counted (Denied or Rejected) and traced;
        /// the caller resets the client.
        /// </summary>
        public bool PassesGate(IPAddress source, TracedClient client, out int sourceTicket)
        {
            SourceVerdict verdict = _gate.Check(source, out sourceTicket);
            if (verdict == SourceVerdict.Admitted)
            {
                return true;
            }
            if (verdict == SourceVerdict.Denied)
            {
                Statistics.OnDenied();
            }
            else
            {
                Statistics.OnRejected();
            }
            Trace.Refused(client, $"source {source}: {verdict}");
            return false;
        }

        public void ReleaseSource(int sourceTicket) => _gate.Release(sourceTicket);

        /// <summary>A bad or missing PROXY header: counted before the client can see its reset, traced, warned once a minute; the caller resets the client.</summary>
        public void OnBadProxyHeader(TracedClient client, string? problem)
        {
            long bad = Statistics.BadProxyHeaders + 1;
            Statistics.OnBadProxyHeader();
            Trace.Refused(client, "bad PROXY header: " + problem);
            if (_proxyHeaderWarnings.TryPass())
            {
                _balancer.RaiseWarning(
                    $"A client of {Endpoints.Format(_balancer.LocalEndPoint)} was reset: {problem} ({bad} so far, see BadProxyHeaders). This listener expects a PROXY protocol header (-AcceptProxyProtocol) from a proxy in front of it.");
            }
        }

        /// <summary>Access rules and per-source limits, before any backend is touched: a refused client is reset and counted.</summary>
        private bool PassesGate(Socket client, ProxyHeader? received, out int sourceTicket)
        {
            sourceTicket = -1;
            IPAddress? source = received?.Source?.Address ?? (client.RemoteEndPoint as IPEndPoint)?.Address;
            if (source == null || PassesGate(source, client, out sourceTicket))
            {
                return true;
            }
            client.Abort();
            return false;
        }

        /// <summary>The client's PROXY header (AcceptProxyProtocol), or null when it was bad: then the client is reset and counted.</summary>
        private async Task<ProxyHeader?> ReadProxyHeaderAsync(Socket client, TcpBalancerOptions options)
        {
            ProxyParseResult result = await ProxyHeaderReader.ReadAsync(client, options.ProxyHeaderTimeout, Stopping).ConfigureAwait(false);
            if (result.Status == ProxyParseStatus.Complete)
            {
                return result.Header;
            }
            if (Stopping.IsCancellationRequested)
            {
                // Cut off by the stop, not by a bad header.
                Statistics.OnFailed();
                client.Abort();
                return null;
            }
            OnBadProxyHeader(client, result.Problem);
            client.Abort();
            return null;
        }
    }
}
