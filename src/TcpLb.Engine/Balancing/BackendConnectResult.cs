using System.Net;
using System.Net.Sockets;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// What an attempt to open a backend connection got: a connected socket, or the address it last
    /// tried and why that failed: <see cref="Error"/> for the connect itself, <see cref="Problem"/>
    /// for what failed after it (the PROXY header, the TLS handshake).
    /// </summary>
    internal readonly struct BackendConnectResult
    {
        public BackendConnectResult(Socket? socket, IPEndPoint? endPoint, SocketError error, string? problem = null, bool problemIsBackendError = false)
        {
            Socket = socket;
            EndPoint = endPoint;
            Error = error;
            Problem = problem;
            ProblemIsBackendError = problemIsBackendError;
        }

        public Socket? Socket { get; }

        public IPEndPoint? EndPoint { get; }

        public SocketError Error { get; }

        public string? Problem { get; }

        /// <summary>The problem becomes the backend's LastError (a failed TLS handshake does).</summary>
        public bool ProblemIsBackendError { get; }
    }
}
