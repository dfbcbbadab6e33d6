using System.Net.Sockets;
using System.Threading.Tasks;
using TcpLb.Engine.Net;

namespace TcpLb.Engine.Proxying
{
    /// <summary>
    /// Lets a pump delay or pace the forwarding of a chunk (the test backends' latency and
    /// bandwidth faults). The balancer's pumps have none and pay nothing for the hook.
    /// </summary>
    internal interface IChunkShaper
    {
        /// <summary>
        /// Sends the chunk shaped, or returns null when this chunk needs no shaping and the pump
        /// should send it plainly.
        /// </summary>
        Task? TrySendShapedAsync(Socket destination, SocketAwaitableEventArgs args, byte[] buffer, int count);
    }
}
