namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>Takes the result of a call the loop queued for it (<see cref="EpollLoop.QueueSend"/>, <see cref="EpollLoop.QueueReceive"/>): bytes moved, 0 at the peer's FIN (a receive), or minus errno.</summary>
    internal interface IRingCompletion
    {
        void SendCompleted(int result);

        void ReceiveCompleted(int result);
    }
}
