using System.Net.Sockets;
using System.Threading.Tasks;
using TcpLb.Engine.Net;

namespace TcpLb.Engine.Proxying
{
    /// <summary>
    /// Lets a pump shape one direction: delay, pace, slice, cut or drop its chunks and its FIN
    /// (the test backends' latency and bandwidth faults, the balancer's toxics). Pumps without
    /// one pay a null test per chunk for the hook.
    /// </summary>
    internal interface IChunkShaper
    {
        /// <summary>
        /// Sends the chunk shaped, or returns null when this chunk needs no shaping and the pump
        /// should send it plainly.
        /// </summary>
        Task? TrySendShapedAsync(Socket destination, SocketAwaitableEventArgs args, byte[] buffer, int count);

        /// <summary>
        /// The source sent FIN: passes it on shaped (later, or never), or returns null for the
        /// pump to shut the destination's sending side down at once.
        /// </summary>
        Task? TryShutdownShapedAsync(Socket destination);

        /// <summary>The shaper has ended this direction (sent its FIN early): the pump reads the source no further.</summary>
        bool Ended { get; }

        /// <summary>The connection is being torn down: whatever the shaper still waits for ends now.</summary>
        void Cancel();
    }
}
