using System.Threading;

namespace TcpLb.Engine.Proxying.Toxics
{
    /// <summary>What a toxic may do to its connection as a whole.</summary>
    internal interface IToxicConnection
    {
        /// <summary>Cancelled when the connection is over (or the server stops): timers of toxics end with it.</summary>
        CancellationToken Ended { get; }

        /// <summary>Resets both sides (RST), as a dead peer would.</summary>
        void Reset();

        /// <summary>Closes both sides cleanly (FIN); the connection is not moved to another backend.</summary>
        void Close();

        /// <summary>Ends <see cref="Ended"/> now: the connection is being torn down.</summary>
        void Cancel();
    }
}
