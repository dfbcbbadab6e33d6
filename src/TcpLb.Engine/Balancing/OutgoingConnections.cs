using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using TcpLb.Engine.Net;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// The balancer's own outgoing backend sockets by local and remote port, so that an accepted
    /// client whose peer is one of them (a loop back into the balancer that the start-time check
    /// could not see) is recognised at accept time. Both ends are compared: the system lets one
    /// local port serve connections to different destinations, so the local port alone could
    /// match an unrelated client. Closed sockets are pruned by <see cref="Prune"/>. A socket is
    /// announced (<see cref="Connecting"/>) before its connect is issued and recorded once its local
    /// port is known: an accept that runs between the two (a busy machine preempts the connecting
    /// thread) finds it among the announced ones, so a loop is cut at its first link.
    /// </summary>
    internal sealed class OutgoingConnections
    {
        private readonly ConcurrentDictionary<long, Entry> _byPorts = new ConcurrentDictionary<long, Entry>();

        /// <summary>Sockets announced but not recorded yet: a handful at most, each for the moment of its connect.</summary>
        private readonly ConcurrentDictionary<Socket, IPEndPoint> _announced = new ConcurrentDictionary<Socket, IPEndPoint>();

        public int Count => _byPorts.Count;

        /// <summary>Called when no socket could be created for a backend connection (out of file descriptors, say).</summary>
        public Action<SocketError>? SocketUnavailable { get; set; }

        /// <summary>Called for every outgoing socket created (ends an episode of <see cref="SocketUnavailable"/>).</summary>
        public Action? SocketCreated { get; set; }

        /// <summary>Announces a socket whose connect is about to be issued (before the handshake can reach our own accept).</summary>
        public void Connecting(Socket socket, IPEndPoint target)
        {
            SocketCreated?.Invoke();
            _announced[socket] = target;
        }

        /// <summary>
        /// Records a socket whose connect has been issued: its local port is chosen by then. False
        /// when the system cannot say yet (the socket stays announced; call again once connected).
        /// </summary>
        public bool Register(Socket socket, IPEndPoint target)
        {
            IPEndPoint? local = SocketNames.LocalEndPoint(socket);
            if (local == null)
            {
                TryLocalEndPoint(socket, out local);
            }
            if (local == null || local.Port == 0)
            {
                return false;
            }
            _byPorts[Key(local.Port, target.Port)] = new Entry(socket, Normalized(local.Address), Normalized(target.Address));
            _announced.TryRemove(socket, out _);
            return true;
        }

        /// <summary>Forgets an announced socket whose connect failed.</summary>
        public void Abandon(Socket socket) => _announced.TryRemove(socket, out _);

        /// <summary>True when <paramref name="accepted"/> was opened by one of our own outgoing sockets that is still open.</summary>
        public bool IsOwn(Socket accepted)
        {
            if (_byPorts.IsEmpty && _announced.IsEmpty || !TryRemoteEndPoint(accepted, out IPEndPoint? peer) || !TryLocalEndPoint(accepted, out IPEndPoint? local))
            {
                return false;
            }
            long key = Key(peer!.Port, local!.Port);
            if (!_byPorts.TryGetValue(key, out Entry own) && !(RecordAnnounced() && _byPorts.TryGetValue(key, out own)))
            {
                return false;
            }
            if (!IsOpen(own.Socket))
            {
                Forget(key, own);
                return false;
            }
            // A wildcard target (0.0.0.0, ::) connects to a local address.
            return own.LocalAddress.Equals(Normalized(peer.Address))
                && (own.TargetAddress.Equals(Normalized(local.Address)) || own.TargetAddress.Equals(IPAddress.Any) || own.TargetAddress.Equals(IPAddress.IPv6Any));
        }

        /// <summary>Records the announced sockets whose local port is known now; true when there were any.</summary>
        private bool RecordAnnounced()
        {
            if (_announced.IsEmpty)
            {
                return false;
            }
            foreach (KeyValuePair<Socket, IPEndPoint> announced in _announced)
            {
                Register(announced.Key, announced.Value);
            }
            return true;
        }

        /// <summary>Drops the entries of sockets that have been closed.</summary>
        public void Prune()
        {
            foreach (KeyValuePair<long, Entry> entry in _byPorts)
            {
                if (!IsOpen(entry.Value.Socket))
                {
                    Forget(entry.Key, entry.Value);
                }
            }
        }

        private void Forget(long key, Entry entry)
            => ((ICollection<KeyValuePair<long, Entry>>)_byPorts).Remove(new KeyValuePair<long, Entry>(key, entry));

        private static long Key(int localPort, int remotePort) => ((long)remotePort << 16) | (uint)localPort;

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

        private static bool TryLocalEndPoint(Socket socket, out IPEndPoint? endPoint) => TryEndPoint(socket, s => s.LocalEndPoint, out endPoint);

        private static bool TryRemoteEndPoint(Socket socket, out IPEndPoint? endPoint) => TryEndPoint(socket, s => s.RemoteEndPoint, out endPoint);

        /// <summary>One end of a socket; false when the socket is closed, failed or not connected.</summary>
        private static bool TryEndPoint(Socket socket, Func<Socket, EndPoint?> end, out IPEndPoint? endPoint)
        {
            try
            {
                endPoint = end(socket) as IPEndPoint;
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

        private readonly struct Entry : IEquatable<Entry>
        {
            public Entry(Socket socket, IPAddress localAddress, IPAddress targetAddress)
            {
                Socket = socket;
                LocalAddress = localAddress;
                TargetAddress = targetAddress;
            }

            public Socket Socket { get; }

            public IPAddress LocalAddress { get; }

            public IPAddress TargetAddress { get; }

            public bool Equals(Entry other) => ReferenceEquals(Socket, other.Socket);

            public override bool Equals(object? obj) => obj is Entry other && Equals(other);

            public override int GetHashCode() => Socket.GetHashCode();
        }
    }
}
