using TcpLb.Engine.Backends;

namespace TcpLbModule.Jobs
{
    /// <summary>A running test backend (Start-TcpBackend).</summary>
    public sealed class TcpBackendJob : TcpServerJob
    {
        public const string JobTypeName = "TcpBackend";

        internal TcpBackendJob(string command, string name, TcpTestBackend backend)
            : base(command, name, JobTypeName, backend)
        {
            Backend = backend;
        }

        /// <summary>The engine object behind the job.</summary>
        public TcpTestBackend Backend { get; }

        public TcpBackendMode Mode => Backend.Mode;

        public long ConnectionsAccepted => Backend.ConnectionsAccepted;
    }
}
