using System.Net.Sockets;
using System.Threading.Tasks;
using TcpLb.Engine.Net;

namespace TcpLb.Engine.Proxying.Toxics
{
    /// <summary>
    /// The toxics of one direction of one connection, chained in order: the pump hands each chunk
    /// and the FIN to the first, and the last passes them to the destination socket.
    /// </summary>
    internal sealed class ToxicPipe : IChunkShaper
    {
        private static readonly Task Done = Task.FromResult(true);

        private readonly IToxic[] _toxics;
        private Socket? _destination;
        private SocketAwaitableEventArgs? _args;
        private volatile bool _ended;

        public ToxicPipe(IToxic[] toxics, IToxicConnection connection)
        {
            _toxics = toxics;
            Connection = connection;
        }

        public IToxicConnection Connection { get; }

        public bool Ended
        {
            get => _ended;
            set => _ended = value;
        }

        public void Cancel() => Connection.Cancel();

        /// <summary>Arms the toxics that act on the connection after a time.</summary>
        public void Start()
        {
            for (int i = 0; i < _toxics.Length; i++)
            {
                _toxics[i].Start(new ToxicLink(this, i + 1));
            }
        }

        public Task? TrySendShapedAsync(Socket destination, SocketAwaitableEventArgs args, byte[] buffer, int count)
        {
            _destination = destination;
            _args = args;
            return SendFromAsync(0, buffer, 0, count);
        }

        public Task? TryShutdownShapedAsync(Socket destination)
        {
            _destination = destination;
            return CloseFromAsync(0);
        }

        internal Task SendFromAsync(int stage, byte[] buffer, int offset, int count)
        {
            if (_ended || count == 0)
            {
                return Done;
            }
            if (stage == _toxics.Length)
            {
                return _destination!.SendAllAsync(_args!, buffer, offset, count);
            }
            return _toxics[stage].SendAsync(new ToxicLink(this, stage + 1), buffer, offset, count);
        }

        internal Task CloseFromAsync(int stage)
        {
            if (_ended)
            {
                return Done;
            }
            if (stage == _toxics.Length)
            {
                _destination?.TryShutdownSend();
                return Done;
            }
            return _toxics[stage].CloseAsync(new ToxicLink(this, stage + 1));
        }
    }
}
