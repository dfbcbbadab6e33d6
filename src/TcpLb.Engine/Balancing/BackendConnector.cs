using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Net;

namespace TcpLb.Engine.Balancing
{
    /// <summary>Opens a connection to a backend, trying each of its addresses, within a timeout.</summary>
    internal static class BackendConnector
    {
        /// <summary>
        /// A connected socket, or, when no address of the backend accepted in time, no socket with
        /// the last address tried and why it failed (<see cref="SocketError.TimedOut"/> for the timeout).
        /// </summary>
        public static async Task<BackendConnectResult> ConnectAsync(Backend backend, TimeSpan timeout, CancellationToken stopping)
        {
            IPEndPoint[] endPoints = backend.EndPoints;
            int start = backend.PreferredIndex;
            BackendConnectResult result = default;
            for (int i = 0; i < endPoints.Length; i++)
            {
                int index = (start + i) % endPoints.Length;
                result = await TryConnectAsync(endPoints[index], timeout, backend.Outgoing, stopping).ConfigureAwait(false);
                if (result.Socket != null)
                {
                    if (index != start)
                    {
                        backend.PreferredIndex = index;
                    }
                    return result;
                }
            }
            return result;
        }

        private static async Task<BackendConnectResult> TryConnectAsync(IPEndPoint endPoint, TimeSpan timeout, OutgoingConnections? outgoing, CancellationToken stopping)
        {
            Socket socket;
            try
            {
                socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            }
            catch (SocketException e)
            {
                // No socket at all (out of file descriptors): a failed connect like any other.
                outgoing?.SocketUnavailable?.Invoke(e.SocketErrorCode);
                return new BackendConnectResult(null, endPoint, e.SocketErrorCode);
            }
            SocketAwaitableEventArgs args = SocketEventArgsPool.Rent();
            bool timedOut = false;
            try
            {
                // Announced before the handshake can reach a loop's accept, recorded as soon as the local port is chosen.
                outgoing?.Connecting(socket, endPoint);
                SocketAwaitableEventArgs pending = socket.ConnectAsync(args, endPoint);
                bool registered = outgoing?.Register(socket, endPoint) ?? true;
                if (!pending.IsCompleted)
                {
                    // Only a connect that did not finish at once needs a timer.
                    using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping))
                    {
                        deadline.CancelAfter(timeout);
                        using (deadline.Token.Register(CancelConnect, args))
                        {
                            try
                            {
                                await pending;
                            }
                            finally
                            {
                                timedOut = deadline.IsCancellationRequested && !stopping.IsCancellationRequested;
                            }
                        }
                    }
                }
                else
                {
                    pending.GetResult();
                }
                if (!registered && !outgoing!.Register(socket, endPoint))
                {
                    // Where the system could not say while pending: late, but better than never; else not at all.
                    outgoing.Abandon(socket);
                }
                return new BackendConnectResult(socket, endPoint, SocketError.Success);
            }
            catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
            {
                outgoing?.Abandon(socket);
                socket.Dispose();
                SocketError error = timedOut ? SocketError.TimedOut : (e as SocketException)?.SocketErrorCode ?? SocketError.OperationAborted;
                return new BackendConnectResult(null, endPoint, error);
            }
            finally
            {
                SocketEventArgsPool.Return(args);
            }
        }

        private static void CancelConnect(object? state) => Socket.CancelConnectAsync((SocketAsyncEventArgs)state!);
    }
}
