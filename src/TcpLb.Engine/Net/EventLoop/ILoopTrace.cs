using System;

namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>
    /// Where a loop reports what it caught instead of letting it escape (an exception that leaves
    /// a loop thread would end the process, and with it the user's shell). Silent by default;
    /// the balancer's trace hook (Verbose/Debug in the jobs) plugs in here.
    /// </summary>
    internal interface ILoopTrace
    {
        /// <summary>A handler, timer or work item threw; the loop has reset what it owned and goes on.</summary>
        void Faulted(string loop, Exception exception);

        /// <summary>Accepting paused (out of descriptors or memory: errno) and resumes after a short wait.</summary>
        void AcceptPaused(string loop, int errno);
    }
}
