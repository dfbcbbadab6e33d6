using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// The balancer's own outgoing backend sockets by local port, so that an accepted client whose
    /// peer is one of them (a loop back into the balancer that the start-time check could not
    /// see: a name or a NAT that leads here) is recognised at accept time. At most one entry per
    /// local port; closed sockets are pruned by <see cref="Prune"/>.
    /// </summary>
    internal sealed class OutgoingConnections
    {
        private readonly ConcurrentDictionary<int, Socket> _byLocalPort = new ConcurrentDictionary<int, Socket>();

        public int Count => _byLocalPort.Count;

        /// <summary>Records a socket whose connect has been issued (its local port is chosen by then).</summary>
        public void Register(Socket socket)
        {
            if (TryLocalEndPoint(socket, out IPEndPoint? local) && local!.Port != 0)
            {
                _byLocalPort[local.Port] = socket;
            }
        }

        /// <summary>True when <paramref name="accepted"/> was opened by one of our own outgoing sockets that is still open.</summary>
        public bool IsOwn(Socket accepted)
        {
            if (_byLocalPort.IsEmpty || !(TryRemoteEndPoint(accepted, out IPEndPoint? peer)))
            {
                return false;
            }
            if (!_byLocalPort.TryGetValue(peer!.Port, out Socket? own))
            {
                return false;
            }
            if (!TryLocalEndPoint(own, out IPEndPoint? ownLocal))
            {
                Forget(peer.Port, own);
                return false;
            }
            return Normalized(ownLocal!.Address).Equals(Normalized(peer.Address));
        }

        /// <summary>Drops the entries of sockets that have been closed.</summary>
        public void Prune()
        {
            foreach (KeyValuePair<int, Socket> entry in _byLocalPort)
            {
                if (!IsOpen(entry.Value))
                {
                    Forget(entry.Key, entry.Value);
                }
            }
        }

        private void Forget(int port, Socket socket)
            => ((ICollection<KeyValuePair<int, Socket>>)_byLocalPort).Remove(new KeyValuePair<int, Socket>(port, socket));

        private static bool IsOpen(Socket socket)
        {
            try
            {
                return socket.Available >= 0;
            }
            catch (Exception e) when (e is ObjectDisposedException || e is SocketException)
            {
                return false;
            }
        }

        private static bool TryLocalEndPoint(Socket socket, out IPEndPoint? endPoint)
        {
            try
            {
                endPoint = socket.LocalEndPoint as IPEndPoint;
                return endPoint != null && IsOpen(socket);
            }
            catch (Exception e) when (e is ObjectDisposedException || e is SocketException)
            {
                endPoint = null;
                return false;
            }
        }

        private static bool TryRemoteEndPoint(Socket socket, out IPEndPoint? endPoint)
        {
            try
            {
                endPoint = socket.RemoteEndPoint as IPEndPoint;
                return endPoint != null;
            }
            catch (Exception e) when (e is ObjectDisposedException || e is SocketException)
            {
                endPoint = null;
                return false;
            }
        }

        private static IPAddress Normalized(IPAddress address)
            => address.AddressFamily == AddressFamily.InterNetworkV6 && address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }
}
