using System;
using System.Net;

namespace TcpLb.Engine.Net
{
    /// <summary>
    /// A listener that accepts and handles connections itself, in place of <see cref="TcpServer"/>'s
    /// accept loops (the balancer's event-loop transport): bound when made, serving from
    /// <see cref="Start"/>, refusing new clients between <see cref="StopListening"/> and
    /// <see cref="StartListening"/> (open connections go on), and on <see cref="IDisposable.Dispose"/>
    /// stopped with every connection reset and the port free.
    /// </summary>
    internal interface IOwnListener : IDisposable
    {
        IPEndPoint LocalEndPoint { get; }

        void Start();

        void StopListening();

        /// <summary>Throws <see cref="ListenerBindException"/> when the port was taken meanwhile.</summary>
        void StartListening();
    }
}
