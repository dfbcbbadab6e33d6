using System;
using System.Net;
using System.Net.Sockets;

namespace TcpLb.Engine.Net
{
    /// <summary>Awaitable socket operations on a reusable <see cref="SocketAwaitableEventArgs"/>.</summary>
    internal static class SocketOperations
    {
        private static readonly byte[] NoBytes = new byte[0];

        public static SocketAwaitableEventArgs ReceiveAsync(this Socket socket, SocketAwaitableEventArgs args, byte[] buffer, int offset, int count)
        {
            args.SetBuffer(buffer, offset, count);
            if (!socket.ReceiveAsync(args))
            {
                args.CompleteSynchronously();
            }
            return args;
        }

        /// <summary>
        /// Waits until data (or FIN) is available without holding a buffer, so an idle
        /// connection costs no pooled memory.
        /// </summary>
        public static SocketAwaitableEventArgs WaitForDataAsync(this Socket socket, SocketAwaitableEventArgs args)
            => socket.ReceiveAsync(args, NoBytes, 0, 0);

        public static SocketAwaitableEventArgs SendAsync(this Socket socket, SocketAwaitableEventArgs args, byte[] buffer, int offset, int count)
        {
            args.SetBuffer(buffer, offset, count);
            if (!socket.SendAsync(args))
            {
                args.CompleteSynchronously();
            }
            return args;
        }

        public static SocketAwaitableEventArgs AcceptNextAsync(this Socket listener, SocketAwaitableEventArgs args)
        {
            args.AcceptSocket = null;
            if (!listener.AcceptAsync(args))
            {
                args.CompleteSynchronously();
            }
            return args;
        }

        public static SocketAwaitableEventArgs ConnectAsync(this Socket socket, SocketAwaitableEventArgs args, EndPoint remote)
        {
            args.RemoteEndPoint = remote;
            args.SetBuffer(null, 0, 0);
            if (!socket.ConnectAsync(args))
            {
                args.CompleteSynchronously();
            }
            return args;
        }

        /// <summary>Sends every byte of the range, looping over partial sends.</summary>
        public static async System.Threading.Tasks.Task SendAllAsync(this Socket socket, SocketAwaitableEventArgs args, byte[] buffer, int offset, int count)
        {
            while (count > 0)
            {
                int sent = await socket.SendAsync(args, buffer, offset, count);
                if (sent <= 0)
                {
                    throw new SocketException((int)SocketError.ConnectionReset);
                }
                offset += sent;
                count -= sent;
            }
        }

        /// <summary>Closes with RST instead of FIN: the way to propagate a reset to the peer.</summary>
        public static void Abort(this Socket socket)
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0);
            }
            catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
            {
            }
            socket.Dispose();
        }

        public static void TryShutdownSend(this Socket socket)
        {
            try
            {
                socket.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
            {
            }
        }

        public static bool IsReset(SocketError error)
            => error == SocketError.ConnectionReset || error == SocketError.ConnectionAborted || error == SocketError.Shutdown;
    }
}
