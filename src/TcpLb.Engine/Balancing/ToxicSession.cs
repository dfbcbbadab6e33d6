using System;
using System.Collections.Generic;
using System.Net.Sockets;
using System.Threading;
using TcpLb.Engine.Net;
using TcpLb.Engine.Proxying;
using TcpLb.Engine.Proxying.Toxics;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// The toxics one connection got: drawn by toxicity when it first reached a backend, chained
    /// per direction. Made only for connections that got a toxic; the others have no pipe at all.
    /// </summary>
    internal sealed class ToxicSession : IToxicConnection, IDisposable
    {
        private readonly CancellationTokenSource _ended;
        private ProxyConnection? _connection;

        private ToxicSession(IToxic[] up, IToxic[] down, CancellationToken stopping)
        {
            _ended = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            Up = up.Length == 0 ? null : new ToxicPipe(up, this);
            Down = down.Length == 0 ? null : new ToxicPipe(down, this);
        }

        public ToxicPipe? Up { get; }

        public ToxicPipe? Down { get; }

        public CancellationToken Ended => _ended.Token;

        /// <summary>
        /// Draws each toxic that covers <paramref name="backend"/> by its toxicity; null when none
        /// applies. Counts the connection for each toxic drawn.
        /// </summary>
        public static ToxicSession? TryCreate(BalancerToxic[] toxics, Backend backend, CancellationToken stopping)
        {
            if (!Draw(toxics, backend, out List<BalancerToxic>? up, out List<BalancerToxic>? down))
            {
                return null;
            }
            return new ToxicSession(Create(up), Create(down), stopping);
        }

        private static IToxic[] Create(List<BalancerToxic>? toxics) => toxics == null ? Array.Empty<IToxic>() : toxics.ConvertAll(ToxicFactory.Create).ToArray();

        /// <summary>
        /// Draws each toxic that covers <paramref name="backend"/> by its toxicity, per direction in
        /// order (both transports: the stream path's pipes, the loop path's shapers); false when none
        /// applies. Counts the connection for each toxic drawn and for the backend.
        /// </summary>
        public static bool Draw(BalancerToxic[] toxics, Backend backend, out List<BalancerToxic>? up, out List<BalancerToxic>? down)
        {
            up = null;
            down = null;
            foreach (BalancerToxic toxic in toxics)
            {
                ToxicDefinition definition = toxic.Definition;
                if (!toxic.Covers(backend) || !(definition.Toxicity >= 1 || ToxicRandom.NextDouble() < definition.Toxicity))
                {
                    continue;
                }
                toxic.OnApplied();
                if (definition.Direction == ToxicDirection.Upstream)
                {
                    (up ??= new List<BalancerToxic>()).Add(toxic);
                }
                else
                {
                    (down ??= new List<BalancerToxic>()).Add(toxic);
                }
            }
            if (up == null && down == null)
            {
                return false;
            }
            backend.OnToxicApplied();
            return true;
        }

        /// <summary>Hands the pipes to the pump and arms the timed toxics (a reset or close after a time).</summary>
        public void Start(ProxyConnection connection, DuplexPump pump)
        {
            _connection = connection;
            pump.UpShaper = Up;
            pump.DownShaper = Down;
            Up?.Start();
            Down?.Start();
        }

        public void Reset() => _connection?.Abort();

        public void Close()
        {
            ProxyConnection? connection = _connection;
            if (connection == null)
            {
                return;
            }
            // Shutting both ways down ends both pumps' reads with a FIN, so the pair closes cleanly.
            ShutdownBoth(connection.Client);
            Socket? server = connection.Server;
            if (server != null)
            {
                ShutdownBoth(server);
            }
        }

        public void Cancel()
        {
            try
            {
                _ended.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        public void Dispose()
        {
            Cancel();
            _ended.Dispose();
        }

        private static void ShutdownBoth(Socket socket)
        {
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
            {
            }
        }
    }
}
