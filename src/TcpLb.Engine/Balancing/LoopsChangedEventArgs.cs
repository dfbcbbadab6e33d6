using System;
using System.Globalization;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// The engine's event loops changed how many of them take new connections, or decided to keep
    /// the count they have (the packed layout measures which count relays more under the load it
    /// sees; docs/design/event-loop.md): <see cref="Active"/> of <see cref="Loops"/>, and why.
    /// </summary>
    public sealed class LoopsChangedEventArgs : EventArgs
    {
        public LoopsChangedEventArgs(int active, int loops, string reason)
        {
            Active = active;
            Loops = loops;
            Reason = reason ?? throw new ArgumentNullException(nameof(reason));
            Time = DateTimeOffset.Now;
        }

        /// <summary>The loops that take new connections now (the open ones follow them).</summary>
        public int Active { get; }

        /// <summary>The loops the balancer runs.</summary>
        public int Loops { get; }

        /// <summary>What the count did and why, with the measured figures.</summary>
        public string Reason { get; }

        public DateTimeOffset Time { get; }

        public override string ToString()
            => string.Format(CultureInfo.InvariantCulture, "event loops: {0} of {1} take new connections ({2})", Active, Loops, Reason);
    }
}
