namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>
    /// Work run on a loop's thread: posted from any thread (<see cref="EpollLoop.Post"/>) or deferred
    /// by the loop's own code until after the current batch of events (<see cref="EpollLoop.Defer"/>).
    /// An object that implements this can be posted again and again without allocating. If the loop
    /// stops before running it, an item that is also <see cref="System.IDisposable"/> is disposed.
    /// </summary>
    internal interface ILoopWorkItem
    {
        void Execute(EpollLoop loop);
    }
}
