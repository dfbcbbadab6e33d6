using System;
using System.Net;
using System.Net.Sockets;

namespace TcpLb.Engine.Net
{
    /// <summary>A listener could not bind its address and port.</summary>
    public sealed class ListenerBindException : Exception
    {
        public ListenerBindException(IPEndPoint endPoint, SocketError error, Exception inner)
            : base(Describe(endPoint, error), inner)
        {
            EndPoint = endPoint;
            SocketError = error;
        }

        public IPEndPoint EndPoint { get; }

        public SocketError SocketError { get; }

        public bool IsAddressInUse => SocketError == SocketError.AddressAlreadyInUse;

        private static string Describe(IPEndPoint endPoint, SocketError error)
        {
            string where = Endpoints.Format(endPoint);
            switch (error)
            {
                case SocketError.AddressAlreadyInUse:
                    return $"Port {endPoint.Port} on {endPoint.Address} is already in use ({where}). Choose a free port, or use port 0 to let the system pick one.";
                case SocketError.AddressNotAvailable:
                    return $"Cannot listen on {where}: the address {endPoint.Address} is not assigned to this machine. Use a local address such as 127.0.0.1 or ::1.";
                case SocketError.AccessDenied:
                    return $"Cannot listen on {where}: permission denied. Ports below 1024 need elevated rights; use a port from 1024 to 65535, or 0 for a free one.";
                default:
                    return $"Cannot listen on {where}: {error}.";
            }
        }
    }
}
