using System;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Net;
using TcpLb.Engine.Net.EventLoop;
using TcpLb.Engine.Proxying.Loop;

namespace TcpLb.Engine.Tests.EventLoop
{
    /// <summary>A PROXY header read on the loop before the first connect (AcceptProxyProtocol on the new transport).</summary>
    public class LoopPreambleTests
    {
        private static readonly byte[] Header = Encoding.ASCII.GetBytes("PROXY TCP4 192.0.2.1 192.0.2.2 1234 80\r\n");

        [Fact]
        public async Task A_PROXY_header_is_taken_and_only_what_follows_reaches_the_server()
        {
            using var backend = new RawBackend();
            using var relay = Relay(backend, out ProxyHeaderObserver observer);
            using Socket client = await relay.ConnectAsync();
            byte[] data = SocketIo.RandomBytes(3000, 11);
            await client.SendAsync(SocketIo.Concat(Header, data), SocketFlags.None); // header and data in one segment
            using Socket server = await backend.AcceptAsync();
            Assert.Equal(data, await RawBackend.ReadExactlyAsync(server, data.Length));
            Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 1234), observer.Source);
            await server.SendAsync(data, SocketFlags.None);
            Assert.Equal(data, await RawBackend.ReadExactlyAsync(client, data.Length));
        }

        [Fact]
        public async Task A_header_that_arrives_in_pieces_is_waited_for()
        {
            using var backend = new RawBackend();
            using var relay = Relay(backend, out ProxyHeaderObserver observer);
            using Socket client = await relay.ConnectAsync();
            await client.SendAsync(Header.AsMemory(0, 10), SocketFlags.None);
            await observer.WaitAsync(() => observer.Peeks >= 1); // seen, judged incomplete
            Assert.False(observer.Saw("connected"));
            // The rest of the header and a data byte together: the peek finds them short of the maximum.
            await client.SendAsync(SocketIo.Concat(Header.AsSpan(10).ToArray(), new byte[] { 42 }), SocketFlags.None);
            using Socket server = await backend.AcceptAsync();
            Assert.Equal(new byte[] { 42 }, await RawBackend.ReadExactlyAsync(server, 1));
            Assert.True(observer.Peeks >= 2);
        }

        [Fact]
        public async Task A_bad_header_resets_the_client_and_no_server_is_tried()
        {
            using var backend = new RawBackend();
            using var relay = Relay(backend, out ProxyHeaderObserver observer);
            using Socket client = await relay.ConnectAsync();
            await client.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\n\r\n"), SocketFlags.None);
            Assert.Equal(SocketError.ConnectionReset, await SocketIo.ReadUntilEndAsync(client));
            await observer.WaitForAsync("closed");
            Assert.False(observer.Saw("connected"));
        }

        [Fact]
        public async Task A_client_that_sends_no_header_is_reset_at_the_timeout()
        {
            using var backend = new RawBackend();
            using var relay = Relay(backend, out ProxyHeaderObserver observer, timeoutMilliseconds: 200);
            SocketError ended;
            try
            {
                using Socket client = await relay.ConnectAsync();
                ended = await SocketIo.ReadUntilEndAsync(client);
            }
            catch (SocketException e)
            {
                // On a busy machine the reset can beat the end of the client's own connect.
                ended = e.SocketErrorCode;
            }
            Assert.Equal(SocketError.ConnectionReset, ended);
            await observer.WaitForAsync("closed");
            Assert.True(observer.Saw("timeout:Preamble"), string.Join(", ", observer.Events));
        }

        private static RelayUnderTest Relay(RawBackend backend, out ProxyHeaderObserver observer, int timeoutMilliseconds = 5000)
        {
            observer = new ProxyHeaderObserver(new NativeEndPoint(new IPEndPoint(IPAddress.Loopback, backend.Port)));
            return new RelayUnderTest(backend.Port, loops: 1, observer: observer, preambleMaxBytes: ProxyHeaderParser.MaxV1Length, preambleTimeout: timeoutMilliseconds);
        }

        /// <summary>Stands in for the pipeline with AcceptProxyProtocol: parse, remember the source, connect.</summary>
        private sealed class ProxyHeaderObserver : RecordingObserver
        {
            private readonly NativeEndPoint _backend;
            private int _peeks;

            public ProxyHeaderObserver(NativeEndPoint backend) => _backend = backend;

            public int Peeks => Volatile.Read(ref _peeks);

            public IPEndPoint? Source { get; private set; }

            public override int OnClientPreamble(IRelayConnection connection, byte[] bytes, int count)
            {
                Interlocked.Increment(ref _peeks);
                ProxyParseResult result = ProxyHeaderParser.Parse(bytes, 0, count);
                switch (result.Status)
                {
                    case ProxyParseStatus.Complete:
                        Source = result.Header!.Source;
                        connection.ConnectTo(_backend);
                        return result.Length;
                    case ProxyParseStatus.Incomplete:
                        Note("preamble:incomplete");
                        return 0;
                    default:
                        return -1;
                }
            }
        }
    }
}
