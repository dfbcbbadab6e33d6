namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>
    /// Work run on a loop's thread: posted from any thread (<see cref="EpollLoop.Post"/>) or deferred
    /// by the loop's own code until after the current batch of events (<see cref="EpollLoop.Defer"/>).
    /// An object that implements this can be posted again and again without allocating.
    /// </summary>
    internal interface ILoopWorkItem
    {
        void Execute(EpollLoop loop);
    }
}
