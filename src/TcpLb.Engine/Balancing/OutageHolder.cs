using System;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Net;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// Holds the clients a balancer accepts while it is down with <see cref="BalancerOutage.Hold"/>:
    /// reads and drops what they send, answers nothing, and lets them go when they close, when the
    /// outage ends or when the balancer stops.
    /// </summary>
    internal sealed class OutageHolder
    {
        private static readonly byte[] Discard = new byte[4096];
        private CancellationTokenSource _release = new CancellationTokenSource();

        /// <summary>Ends every hold now (the outage is over, or changed).</summary>
        public void ReleaseAll()
        {
            CancellationTokenSource old = Interlocked.Exchange(ref _release, new CancellationTokenSource());
            old.Cancel();
            old.Dispose();
        }

        public async Task HoldAsync(Socket client, CancellationToken stopping)
        {
            CancellationToken release = Volatile.Read(ref _release).Token;
            SocketAwaitableEventArgs args = SocketEventArgsPool.Rent();
            try
            {
                using (release.Register(AbortSocket, client))
                using (stopping.Register(AbortSocket, client))
                {
                    int read;
                    do
                    {
                        await client.WaitForDataAsync(args);
                        read = await client.ReceiveAsync(args, Discard, 0, Discard.Length);
                    }
                    while (read > 0);
                    // The client's FIN: perhaps a half-close from a client still waiting; hold on until released.
                    using (var either = CancellationTokenSource.CreateLinkedTokenSource(release, stopping))
                    {
                        await Task.Delay(Timeout.Infinite, either.Token).ConfigureAwait(false);
                    }
                }
            }
            catch (Exception e) when (e is SocketException || e is ObjectDisposedException || e is OperationCanceledException)
            {
            }
            finally
            {
                client.Abort();
                SocketEventArgsPool.Return(args);
            }
        }

        private static void AbortSocket(object? state) => ((Socket)state!).Abort();
    }
}
