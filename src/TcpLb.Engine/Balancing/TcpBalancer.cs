using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Net;
using TcpLb.Engine.Proxying;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// A TCP load balancer: accepts client connections, picks a backend per connection and
    /// proxies bytes both ways with <see cref="DuplexPump"/>.
    /// </summary>
    public sealed class TcpBalancer : TcpServer
    {
        private readonly TcpBalancerOptions _options;
        private readonly RoundRobinScheduler _scheduler;

        public TcpBalancer(TcpBalancerOptions options)
            : base(Validated(options).ListenAddress, options.Port)
        {
            _options = options;
            var backends = new List<Backend>(options.Backends.Count);
            foreach (BackendAddress address in options.Backends)
            {
                backends.Add(new Backend(address));
            }
            _scheduler = new RoundRobinScheduler(backends);
        }

        public IReadOnlyList<Backend> Backends => _scheduler.Backends;

        public BalancerStatistics Statistics { get; } = new BalancerStatistics();

        protected override async Task HandleConnectionAsync(Socket client)
        {
            Statistics.OnAccepted();
            client.NoDelay = true;
            Backend backend = _scheduler.Pick();
            Socket? server = await BackendConnector.ConnectAsync(backend, _options.ConnectTimeout, Stopping).ConfigureAwait(false);
            if (server == null)
            {
                backend.OnConnectFailed();
                Statistics.OnFailed();
                // Reset, so the client sees a failure rather than an empty success.
                client.Abort();
                return;
            }

            backend.OnConnected();
            CancellationTokenRegistration onStop = Stopping.Register(AbortBoth, Tuple.Create(client, server));
            try
            {
                var pump = new DuplexPump(client, server, _options.FinTimeout)
                {
                    ClientToServer = backend.BytesToBackend,
                    ClientToServerTotal = Statistics.BytesFromClients,
                    ServerToClient = backend.BytesFromBackend,
                    ServerToClientTotal = Statistics.BytesFromBackends,
                };
                await pump.RunAsync().ConfigureAwait(false);
            }
            finally
            {
                onStop.Dispose();
                backend.OnDisconnected();
            }
        }

        private static void AbortBoth(object? state)
        {
            var pair = (Tuple<Socket, Socket>)state!;
            pair.Item1.Abort();
            pair.Item2.Abort();
        }

        private static TcpBalancerOptions Validated(TcpBalancerOptions options)
        {
            if (options == null)
            {
                throw new ArgumentNullException(nameof(options));
            }
            options.Validate();
            return options;
        }
    }
}
