using System;

namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>
    /// Where a loop reports what it caught instead of letting it escape (an exception that leaves
    /// a loop thread would end the process, and with it the user's shell), and where the packed
    /// layout says what it decided. Silent by default; the balancer's warnings and events (Verbose
    /// and Debug in the jobs) plug in here.
    /// </summary>
    internal interface ILoopTrace
    {
        /// <summary>A handler, timer or work item threw; the loop has reset what it owned and goes on.</summary>
        void Faulted(string loop, Exception exception);

        /// <summary>Accepting paused (out of descriptors or memory: errno) and resumes after a short wait.</summary>
        void AcceptPaused(string loop, int errno);

        /// <summary>
        /// The packed layout changed how many loops take new connections, or decided to keep the
        /// count (<see cref="LoopPacking.Reason"/>), on the packer's timer. What it throws is dropped.
        /// </summary>
        void Packed(int active, int loops, string reason);
    }
}
