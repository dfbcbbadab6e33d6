using System.Threading.Tasks;

namespace TcpLb.Engine.Proxying.Toxics
{
    /// <summary>
    /// One toxic on one direction of one connection (it may keep state, such as the bytes passed
    /// so far). Toxics of a direction form a chain, as in toxiproxy: each passes what it gets on
    /// through <see cref="ToxicLink"/> to the next, and the last link sends to the socket.
    /// </summary>
    internal interface IToxic
    {
        /// <summary>The connection has begun: a toxic that acts on the whole connection after a time arms itself here.</summary>
        void Start(ToxicLink next);

        /// <summary>Passes a chunk on: at once, later, in pieces, cut short or not at all.</summary>
        Task SendAsync(ToxicLink next, byte[] buffer, int offset, int count);

        /// <summary>The source sent FIN: passes it on through <see cref="ToxicLink.CloseAsync"/>, now, later or never.</summary>
        Task CloseAsync(ToxicLink next);
    }
}
