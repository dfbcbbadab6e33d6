using System;

namespace TcpLb.Engine.Balancing
{
    /// <summary>Something went wrong beside any one backend (a loop cut, descriptors running out); raised once per episode.</summary>
    public sealed class BalancerWarningEventArgs : EventArgs
    {
        public BalancerWarningEventArgs(string message, bool resolved = false)
        {
            Time = DateTimeOffset.Now;
            Message = message;
            Resolved = resolved;
        }

        /// <summary>True for the note that an episode is over (accepting works again): news, not a warning.</summary>
        public bool Resolved { get; }

        public DateTimeOffset Time { get; }

        public string Message { get; }

        public override string ToString() => Message;
    }
}
