using System.Threading.Tasks;

namespace TcpLb.Engine.Proxying.Toxics
{
    /// <summary>The rest of a toxic chain, seen from one toxic: the next toxic, or the destination socket.</summary>
    internal readonly struct ToxicLink
    {
        private readonly ToxicPipe _pipe;
        private readonly int _stage;

        public ToxicLink(ToxicPipe pipe, int stage)
        {
            _pipe = pipe;
            _stage = stage;
        }

        public IToxicConnection Connection => _pipe.Connection;

        public Task SendAsync(byte[] buffer, int offset, int count) => _pipe.SendFromAsync(_stage, buffer, offset, count);

        public Task CloseAsync() => _pipe.CloseFromAsync(_stage);

        /// <summary>This direction is over (its FIN was sent): the pump reads its source no further.</summary>
        public void EndDirection() => _pipe.Ended = true;
    }
}
