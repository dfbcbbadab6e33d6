using System;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Net;

namespace TcpLb.Engine.Proxying
{
    /// <summary>
    /// Carries both directions of a proxied connection at once. A FIN from one side becomes a
    /// send-shutdown on the other; the pair closes when both directions are done, or when the
    /// second direction has not finished within the FIN timeout after the first. A failure
    /// (reset) on either side resets the other.
    /// </summary>
    public sealed class DuplexPump
    {
        private readonly Socket _client;
        private readonly Socket _server;
        private readonly TimeSpan _finTimeout;

        public DuplexPump(Socket client, Socket server, TimeSpan finTimeout)
        {
            _client = client ?? throw new ArgumentNullException(nameof(client));
            _server = server ?? throw new ArgumentNullException(nameof(server));
            _finTimeout = finTimeout;
        }

        /// <summary>Stamped whenever bytes move either way (for idle timeouts).</summary>
        public ActivityStamp? Activity { get; set; }

        /// <summary>Counts bytes read from the client (sent to the server).</summary>
        public TrafficCounter? ClientToServer { get; set; }

        public TrafficCounter? ClientToServerTotal { get; set; }

        /// <summary>Counts bytes read from the server (sent to the client).</summary>
        public TrafficCounter? ServerToClient { get; set; }

        public TrafficCounter? ServerToClientTotal { get; set; }

        /// <summary>
        /// Pumps until the connection is over, then closes both sockets. Aborting either socket
        /// from outside (a stop) ends the pump promptly with both sides reset.
        /// </summary>
        public async Task RunAsync()
        {
            SocketAwaitableEventArgs upArgs = SocketEventArgsPool.Rent();
            SocketAwaitableEventArgs downArgs = SocketEventArgsPool.Rent();
            try
            {
                Task<PumpOutcome> up = StreamPump.RunAsync(_client, _server, upArgs, ClientToServer, ClientToServerTotal, Activity);
                Task<PumpOutcome> down = StreamPump.RunAsync(_server, _client, downArgs, ServerToClient, ServerToClientTotal, Activity);

                Task<PumpOutcome> first = await Task.WhenAny(up, down).ConfigureAwait(false);
                Task<PumpOutcome> second = ReferenceEquals(first, up) ? down : up;
                bool clean = first.Result == PumpOutcome.Finished;
                if (clean && !second.IsCompleted)
                {
                    clean = await CompletesWithinAsync(second, _finTimeout).ConfigureAwait(false);
                }
                clean = clean && second.IsCompleted && second.Result == PumpOutcome.Finished;

                if (clean)
                {
                    _client.Dispose();
                    _server.Dispose();
                }
                else
                {
                    _client.Abort();
                    _server.Abort();
                }
                await second.ConfigureAwait(false);
            }
            finally
            {
                SocketEventArgsPool.Return(upArgs);
                SocketEventArgsPool.Return(downArgs);
            }
        }

        private static async Task<bool> CompletesWithinAsync(Task task, TimeSpan timeout)
        {
            if (timeout == Timeout.InfiniteTimeSpan)
            {
                await task.ConfigureAwait(false);
                return true;
            }
            using (var cancel = new CancellationTokenSource())
            {
                Task winner = await Task.WhenAny(task, Task.Delay(timeout, cancel.Token)).ConfigureAwait(false);
                cancel.Cancel();
                return ReferenceEquals(winner, task);
            }
        }
    }
}
