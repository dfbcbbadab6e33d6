using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Net;

namespace TcpLbModule.Jobs
{
    /// <summary>A job that owns a listening engine server (a backend or a balancer).</summary>
    public abstract class TcpServerJob : TcpLbJob
    {
        private const int EventCap = 1000;
        private readonly TcpServer _server;
        private TimeSpan? _stopGrace;
        private CancellationToken _endGrace;

        protected TcpServerJob(string command, string name, string jobTypeName, TcpServer server)
            : base(command, name, jobTypeName, EventCap)
        {
            _server = server;
            Location = Endpoints.Format(server.LocalEndPoint);
            SetJobState(JobState.Running);
            ModuleJobRegistry.Add(this);
            WriteVerboseMessage($"{jobTypeName} listening on {Location}.");
            server.Completion.ContinueWith(OnServerCompleted, TaskScheduler.Default);
        }

        /// <summary>The bound port (the real one when 0 was asked for).</summary>
        public int Port => _server.Port;

        /// <summary>The address the listener is bound to.</summary>
        public string ListenAddress => _server.LocalEndPoint.Address.ToString();

        public override string Location { get; }

        /// <summary>Connections being handled right now.</summary>
        public int ActiveConnections => _server.ActiveConnections;

        public override string StatusMessage => JobStateInfo.State == JobState.Running ? "Listening on " + Location : JobStateInfo.State.ToString();

        /// <summary>
        /// Stops accepting at once, gives open connections <paramref name="grace"/> to finish,
        /// then closes the rest and frees the port.
        /// </summary>
        public void StopJob(TimeSpan grace) => StopJob(grace, CancellationToken.None);

        /// <summary>As <see cref="StopJob(TimeSpan)"/>; cancelling <paramref name="endGrace"/> (Ctrl+C) ends the grace early.</summary>
        public void StopJob(TimeSpan grace, CancellationToken endGrace)
        {
            _stopGrace = grace;
            _endGrace = endGrace;
            StopJob();
        }

        /// <summary>
        /// What Stop-Job gives open connections to finish after the listener has closed (the
        /// port is free at once either way). Must keep Stop-Job well under a second.
        /// </summary>
        protected virtual TimeSpan DefaultStopGrace => TimeSpan.Zero;

        protected override void StopCore()
        {
            // Stop-Job must return promptly: with no grace, StopAsync aborts open connections and is bounded.
            _server.StopAsync(_stopGrace ?? DefaultStopGrace, _endGrace).GetAwaiter().GetResult();
            WriteVerboseMessage($"{PSJobTypeName} on {Location} stopped; the port is free.");
        }

        private void OnServerCompleted(Task completion)
        {
            if (completion.IsFaulted)
            {
                Exception error = completion.Exception!.GetBaseException();
                Error.Add(new ErrorRecord(error, "ListenerFailed", ErrorCategory.ConnectionError, Location));
                Finish(JobState.Failed);
            }
        }
    }
}
