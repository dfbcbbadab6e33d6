using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using TcpLb.Engine.Net;
using TcpLb.Engine.Net.EventLoop;

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
    internal sealed class OutgoingConnections : IConnectWitness
    {
        private readonly ConcurrentDictionary<long, Entry> _byPorts = new ConcurrentDictionary<long, Entry>();

        /// <summary>Sockets announced but not recorded yet: a handful at most, each for the moment of its connect.</summary>
        private readonly ConcurrentDictionary<Socket, IPEndPoint> _announced = new ConcurrentDictionary<Socket, IPEndPoint>();

        public int Count => _byPorts.Count;

        /// <summary>
        /// The balancer's listening port once known (0: not known, every socket is watched). A loop
        /// socket to another port is not recorded: an accepted client's local port is the listener's,
        /// and a match needs the socket's target port to be that same port (<see cref="Key"/>), so
        /// only a socket to this port can lead back here. Saves two getsockname calls, the end points
        /// and three dictionary entries per backend connection.
        /// </summary>
        public int ListenPort { get; set; }

        /// <summary>Set once anything has been recorded or announced: until then <see cref="IsEmpty"/> is one read.</summary>
        private volatile bool _used;

        /// <summary>Called when no socket could be created for a backend connection (out of file descriptors, say).</summary>
        public Action<SocketError>? SocketUnavailable { get; set; }

        /// <summary>Called for every outgoing socket created (ends an episode of <see cref="SocketUnavailable"/>).</summary>
        public Action? SocketCreated { get; set; }

        /// <summary>Announces a socket whose connect is about to be issued (before the handshake can reach our own accept).</summary>
        public void Connecting(Socket socket, IPEndPoint target)
        {
            SocketCreated?.Invoke();
            _used = true;
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
            _used = true;
            _byPorts[Key(local.Port, target.Port)] = new Entry(socket, -1, Normalized(local.Address), Normalized(target.Address));
            _announced.TryRemove(socket, out _);
            return true;
        }

        /// <summary>The loop transport's sockets (by descriptor) announced but not recorded yet.</summary>
        private readonly ConcurrentDictionary<int, IPEndPoint> _announcedFds = new ConcurrentDictionary<int, IPEndPoint>();

        /// <summary>Where each recorded loop socket is, to forget it when it closes (a descriptor is not polled: it may be reused).</summary>
        private readonly ConcurrentDictionary<int, long> _fdKeys = new ConcurrentDictionary<int, long>();

        void IConnectWitness.Connecting(int fd, IPEndPoint target)
        {
            SocketCreated?.Invoke();
            if (Watches(target))
            {
                _used = true;
                _announcedFds[fd] = target;
            }
        }

        void IConnectWitness.Issued(int fd, IPEndPoint target)
        {
            if (Watches(target))
            {
                Register(fd, target);
            }
        }

        void IConnectWitness.Closed(int fd)
        {
            if (fd < 0 || !_used)
            {
                return;
            }
            _announcedFds.TryRemove(fd, out _);
            if (_fdKeys.TryRemove(fd, out long key) && _byPorts.TryGetValue(key, out Entry entry) && entry.Fd == fd)
            {
                Forget(key, entry);
            }
        }

        /// <summary>Records a loop socket whose connect has been issued (its local port chosen).</summary>
        private void Register(int fd, IPEndPoint target)
        {
            IPEndPoint? local = NativeSocket.LocalEndPoint(fd);
            if (local == null || local.Port == 0)
            {
                return; // stays announced
            }
            long key = Key(local.Port, target.Port);
            _byPorts[key] = new Entry(null, fd, Normalized(local.Address), Normalized(target.Address));
            _fdKeys[fd] = key;
            _announcedFds.TryRemove(fd, out _);
        }

        /// <summary>Forgets an announced socket whose connect failed.</summary>
        public void Abandon(Socket socket) => _announced.TryRemove(socket, out _);

        /// <summary>True when <paramref name="accepted"/> was opened by one of our own outgoing sockets that is still open.</summary>
        public bool IsOwn(Socket accepted)
            => !IsEmpty && TryRemoteEndPoint(accepted, out IPEndPoint? peer) && TryLocalEndPoint(accepted, out IPEndPoint? local) && IsOwn(peer!, local!);

        /// <summary>Nothing recorded or announced: no accepted client can be one of ours.</summary>
        public bool IsEmpty => !_used || (_byPorts.IsEmpty && _announced.IsEmpty && _announcedFds.IsEmpty);

        private bool Watches(IPEndPoint target)
        {
            int port = ListenPort;
            return port == 0 || target.Port == port;
        }

        /// <summary>As the other overload, for a client accepted by the loop transport (its two ends).</summary>
        public bool IsOwn(IPEndPoint peer, IPEndPoint local)
        {
            long key = Key(peer.Port, local.Port);
            if (!_byPorts.TryGetValue(key, out Entry own) && !(RecordAnnounced() && _byPorts.TryGetValue(key, out own)))
            {
                return false;
            }
            if (own.Socket != null && !IsOpen(own.Socket))
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
            if (_announced.IsEmpty && _announcedFds.IsEmpty)
            {
                return false;
            }
            foreach (KeyValuePair<Socket, IPEndPoint> announced in _announced)
            {
                Register(announced.Key, announced.Value);
            }
            foreach (KeyValuePair<int, IPEndPoint> announced in _announcedFds)
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
                // A loop socket is forgotten when it closes (IConnectWitness.Closed).
                if (entry.Value.Socket != null && !IsOpen(entry.Value.Socket))
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
            public Entry(Socket? socket, int fd, IPAddress localAddress, IPAddress targetAddress)
            {
                Socket = socket;
                Fd = fd;
                LocalAddress = localAddress;
                TargetAddress = targetAddress;
            }

            /// <summary>The stream path's socket; null for a loop socket (<see cref="Fd"/>).</summary>
            public Socket? Socket { get; }

            public int Fd { get; }

            public IPAddress LocalAddress { get; }

            public IPAddress TargetAddress { get; }

            public bool Equals(Entry other) => ReferenceEquals(Socket, other.Socket) && Fd == other.Fd;

            public override bool Equals(object? obj) => obj is Entry other && Equals(other);

            public override int GetHashCode() => Socket?.GetHashCode() ?? Fd;
        }
    }
}
