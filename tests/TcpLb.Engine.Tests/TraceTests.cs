using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Access;
using TcpLb.Engine.Backends;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Probing;

namespace TcpLb.Engine.Tests
{
    /// <summary>The balancer's trace hook (IBalancerTrace): silent by default, and when set, one call per failure with its reason.</summary>
    public class TraceTests
    {
        [Fact]
        public void A_balancer_traces_nothing_until_a_trace_is_set()
        {
            var balancer = new TcpBalancer(new TcpBalancerOptions { Port = 0, Backends = { new BackendAddress("127.0.0.1", 1) } });
            Assert.Equal("SilentBalancerTrace", balancer.Trace.GetType().Name);
            var trace = new RecordingTrace();
            balancer.Trace = trace;
            Assert.Same(trace, balancer.Trace);
            balancer.Trace = null!;
            Assert.Equal("SilentBalancerTrace", balancer.Trace.GetType().Name);
        }

        [Fact]
        public async Task A_refused_connect_is_traced_with_the_backend_and_its_error_and_the_failover_still_serves()
        {
            await using var net = new TestNet();
            TcpTestBackend live = net.Backend();
            int closed = TestNet.RefusingPort();
            var trace = new RecordingTrace();
            TcpBalancer balancer = net.Balancer(o => o.HealthCheck.Interval = TimeSpan.Zero, closed, live.Port);
            balancer.Trace = trace;

            var results = await TestNet.ProbeAsync(balancer.Port, 4);

            Assert.All(results, r => Assert.Equal(TcpProbeStatus.Success, r.Status));
            // One line per failed connect, each counted on the backend and retried elsewhere.
            Assert.True(balancer.Backends[0].Failures > 0);
            Assert.Equal(balancer.Backends[0].Failures, trace.Lines.Count(l => l == $"connect 127.0.0.1:{closed} 127.0.0.1:{closed} ConnectionRefused"));
            Assert.Equal(balancer.Statistics.Retried, balancer.Backends[0].Failures);
            Assert.DoesNotContain(trace.Lines, l => l.StartsWith("not served", StringComparison.Ordinal));
        }

        [Fact]
        public async Task A_client_not_served_and_a_denied_client_are_traced_with_the_reason()
        {
            await using var net = new TestNet();
            var trace = new RecordingTrace();
            TcpBalancer balancer = net.Balancer(o => { o.HealthCheck.Interval = TimeSpan.Zero; o.Retries = 0; }, TestNet.RefusingPort());
            balancer.Trace = trace;

            var failed = await TestNet.ProbeAsync(balancer.Port, 1);
            balancer.SetAccessRules(AccessRules.Create(Array.Empty<string>(), new[] { "127.0.0.0/8" }));
            var denied = await TestNet.ProbeAsync(balancer.Port, 1);

            Assert.Equal(TcpProbeStatus.Reset, failed[0].Status);
            Assert.Equal(TcpProbeStatus.Reset, denied[0].Status);
            Assert.True(SpinWait.SpinUntil(() => trace.Lines.Count >= 3, TestNet.Patience), string.Join(" | ", trace.Lines));
            Assert.Contains(trace.Lines, l => l == "not served: no backend answered within 1 attempts");
            Assert.Contains(trace.Lines, l => l == "refused: source 127.0.0.1: Denied");
        }

        [Fact]
        public async Task A_trace_that_throws_costs_no_connection()
        {
            await using var net = new TestNet();
            TcpTestBackend live = net.Backend();
            TcpBalancer balancer = net.Balancer(o => o.HealthCheck.Interval = TimeSpan.Zero, TestNet.RefusingPort(), live.Port);
            balancer.Trace = new RecordingTrace { Throw = true };

            var results = await TestNet.ProbeAsync(balancer.Port, 4);

            Assert.All(results, r => Assert.Equal(TcpProbeStatus.Success, r.Status));
            Assert.Equal(0, balancer.Statistics.Failed);
        }

        [Fact]
        public void What_an_event_loop_catches_becomes_the_balancer_s_warnings_once_per_episode()
        {
            var balancer = new TcpBalancer(new TcpBalancerOptions { Port = 0, Backends = { new BackendAddress("127.0.0.1", 1) } });
            var warnings = new ConcurrentQueue<BalancerWarningEventArgs>();
            balancer.Warning += (sender, e) => warnings.Enqueue(e);
            Net.EventLoop.ILoopTrace loops = balancer.LoopTrace;

            loops.Faulted("loop 1", new InvalidOperationException("a handler threw"));
            loops.Faulted("loop 2", new InvalidOperationException("another one"));
            loops.AcceptPaused("loop 1", 24); // EMFILE
            loops.AcceptPaused("loop 2", 24);

            Assert.Collection(warnings,
                w => Assert.Equal("A connection on loop 1 was reset by an unexpected error: InvalidOperationException: a handler threw", w.Message),
                w => Assert.Contains("cannot create sockets while accepting connections on loop 1: too many open files", w.Message));
        }

        [Fact]
        public void What_the_event_loops_decide_about_their_count_is_the_balancer_s_LoopsChanged()
        {
            var balancer = new TcpBalancer(new TcpBalancerOptions { Port = 0, Backends = { new BackendAddress("127.0.0.1", 1) } });
            var changes = new ConcurrentQueue<LoopsChangedEventArgs>();
            balancer.LoopsChanged += (sender, e) => changes.Enqueue(e);
            Net.EventLoop.ILoopTrace loops = balancer.LoopTrace;

            loops.Packed(1, 2, "kept 1 loops: 1 loops relayed 12.4 MB/s, 2 loops 11.9 MB/s");

            LoopsChangedEventArgs change = Assert.Single(changes);
            Assert.Equal(1, change.Active);
            Assert.Equal(2, change.Loops);
            Assert.Equal("event loops: 1 of 2 take new connections (kept 1 loops: 1 loops relayed 12.4 MB/s, 2 loops 11.9 MB/s)", change.ToString());
        }

        private sealed class RecordingTrace : IBalancerTrace
        {
            public ConcurrentQueue<string> Lines { get; } = new ConcurrentQueue<string>();

            public bool Throw { get; set; }

            public void ConnectFailed(IPEndPoint? client, BackendAddress backend, IPEndPoint? backendEndPoint, SocketError error, string? problem) => Add($"connect {backend} {backendEndPoint} {error}" + (problem != null ? " " + problem : string.Empty));

            public void FailedBeforeResponse(IPEndPoint? client, BackendAddress backend, string what) => Add($"failed {backend} {what}");

            public void Replaying(IPEndPoint? client, BackendAddress from, string why) => Add($"replaying {from} {why}");

            public void ConnectionReset(IPEndPoint? client, BackendAddress backend, bool byBackend) => Add($"reset {backend} {byBackend}");

            public void IdleTimedOut(IPEndPoint? client, BackendAddress? backend) => Add($"idle {backend}");

            public void Refused(IPEndPoint? client, string reason) => Add("refused: " + reason);

            public void AbandonedInQueue(IPEndPoint? client) => Add("abandoned");

            public void NotServed(IPEndPoint? client, string reason) => Add("not served: " + reason);

            private void Add(string line)
            {
                Lines.Enqueue(line);
                if (Throw)
                {
                    throw new InvalidOperationException("a trace that throws");
                }
            }
        }
    }
}
