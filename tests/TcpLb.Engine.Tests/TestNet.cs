using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Backends;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Probing;

namespace TcpLb.Engine.Tests
{
    /// <summary>Starts engine servers on ephemeral loopback ports and stops them when disposed.</summary>
    internal sealed class TestNet : IAsyncDisposable
    {
        public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
        private static readonly System.Collections.Concurrent.ConcurrentBag<Socket> RefusingSockets = new System.Collections.Concurrent.ConcurrentBag<Socket>(); // held for the run (a dozen)
        private readonly List<Net.TcpServer> _servers = new List<Net.TcpServer>();
        private readonly BalancerTransport _transport;

        /// <param name="transport">The transport of the balancers made here (TCPLB_TRANSPORT still overrides it).</param>
        public TestNet(BalancerTransport transport = BalancerTransport.Auto) => _transport = transport;

        public TcpTestBackend Backend(TcpBackendMode mode = TcpBackendMode.Identify, int port = 0)
        {
            var backend = new TcpTestBackend(new TcpTestBackendOptions { Port = port, Mode = mode });
            backend.Start();
            _servers.Add(backend);
            return backend;
        }

        /// <summary>Stops <paramref name="server"/> with the others when disposed.</summary>
        public void Track(Net.TcpServer server) => _servers.Add(server);

        public TcpBalancer Balancer(params int[] backendPorts) => Balancer(o => { }, backendPorts);

        public TcpBalancer Balancer(Action<TcpBalancerOptions> configure, params int[] backendPorts)
        {
            var options = new TcpBalancerOptions { Port = 0, Transport = _transport };
            foreach (int port in backendPorts)
            {
                options.Backends.Add(new BackendAddress("127.0.0.1", port));
            }
            configure(options);
            var balancer = new TcpBalancer(options);
            balancer.Start();
            _servers.Add(balancer);
            return balancer;
        }

        /// <summary>Active checks on (so passive failures may take a backend Down) but too rare to run during a test.</summary>
        public static void RareChecks(TcpBalancerOptions o)
        {
            o.HealthCheck.Interval = TimeSpan.FromHours(1);
            o.HealthCheck.Fall = 2;
        }

        /// <summary>
        /// A port that nothing listens on now and the test may listen on later (free, not held).
        /// It is taken below the kernel's ephemeral range (Linux hands out 32768 and up to port 0,
        /// Windows and macOS 49152 and up), so no listener started on port 0 meanwhile, by a test
        /// running beside this one, can be given it, and each call in this run gets another. (One
        /// from port 0, bound and released, was given to another test's balancer now and then.)
        /// For a backend that only has to refuse, use <see cref="RefusingPort"/>; for one that
        /// comes up later, <see cref="HoldPort"/>.
        /// </summary>
        public static int ClosedPort()
        {
            for (int tries = 0; tries < BelowEphemeralCount; tries++)
            {
                int port = BelowEphemeralFirst + (int)((uint)Interlocked.Increment(ref _closedPortTurn) % BelowEphemeralCount);
                if (PortIsFree(port))
                {
                    return port;
                }
            }

            throw new InvalidOperationException($"Every port from {BelowEphemeralFirst} to {BelowEphemeralFirst + BelowEphemeralCount - 1} is in use.");
        }

        private const int BelowEphemeralFirst = 20000;
        private const int BelowEphemeralCount = 12768; // to 32767, the port below Linux's ephemeral range
        private static int _closedPortTurn = Random.Shared.Next(BelowEphemeralCount); // another start each run, so runs do not meet ports in TIME_WAIT

        /// <summary>
        /// A port that refuses every connect for the rest of the test run: bound without address
        /// reuse and never listened on, so no other socket (the balancer under test on port 0
        /// included: once it was given a just-released port and refused itself as its own backend)
        /// can take it.
        /// </summary>
        public static int RefusingPort()
        {
            Socket socket = BoundNotListening();
            RefusingSockets.Add(socket);
            return ((IPEndPoint)socket.LocalEndPoint!).Port;
        }

        /// <summary>
        /// A port that refuses every connect until the test releases it (<see cref="PortHold.Dispose"/>)
        /// to listen on it: bound as <see cref="RefusingPort"/> binds, so nothing started on port 0
        /// meanwhile (the balancer under test) can be given it.
        /// </summary>
        public static PortHold HoldPort() => new PortHold(BoundNotListening());

        /// <summary>A loopback port bound without address reuse and not listened on: connects to it are refused, and no other socket can take it.</summary>
        private static Socket BoundNotListening()
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, false);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            return socket;
        }

        /// <summary>A port held by <see cref="HoldPort"/>; disposing releases it.</summary>
        public sealed class PortHold : IDisposable
        {
            private readonly Socket _socket;

            internal PortHold(Socket socket)
            {
                _socket = socket;
                Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
            }

            public int Port { get; }

            public void Dispose() => _socket.Dispose();
        }

        public static bool PortIsFree(int port)
        {
            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }

        public static async Task<Socket> ConnectAsync(int port)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(Patience);
            return socket;
        }

        public static async Task<List<TcpProbeResult>> ProbeAsync(int port, int count, int concurrency = 1, string message = "Hello")
        {
            var results = new List<TcpProbeResult>();
            var options = new TcpProbeOptions { ComputerName = "127.0.0.1", Port = port, Count = count, Concurrency = concurrency, Message = message };
            await TcpProbe.RunAsync(options, r => { lock (results) { results.Add(r); } }).WaitAsync(Patience);
            return results.OrderBy(r => r.Sequence).ToList();
        }

        /// <summary>Reads until EOF.</summary>
        public static async Task<byte[]> ReadToEndAsync(Socket socket)
        {
            var all = new List<byte>();
            var buffer = new byte[8192];
            int read;
            using var timeout = new CancellationTokenSource(Patience);
            while ((read = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, timeout.Token)) > 0)
            {
                all.AddRange(buffer.Take(read));
            }
            return all.ToArray();
        }

        public async ValueTask DisposeAsync()
        {
            foreach (Net.TcpServer server in _servers)
            {
                await server.StopAsync();
            }
        }
    }
}
