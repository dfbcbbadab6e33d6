using System;

namespace TcpLb.Engine.Balancing
{
    /// <summary>A backend's state changed (or it joined or left the pool).</summary>
    public sealed class BackendStateChangedEventArgs : EventArgs
    {
        public BackendStateChangedEventArgs(Backend backend, BackendState? previous, BackendState current, string reason)
        {
            Backend = backend;
            Previous = previous;
            Current = current;
            Reason = reason;
            Time = DateTimeOffset.Now;
        }

        public Backend Backend { get; }

        /// <summary>Null when the backend has just joined the pool.</summary>
        public BackendState? Previous { get; }

        public BackendState Current { get; }

        /// <summary>Why: a failed check's error, an operator's action, consecutive connect failures.</summary>
        public string Reason { get; }

        public DateTimeOffset Time { get; }
    }
}
