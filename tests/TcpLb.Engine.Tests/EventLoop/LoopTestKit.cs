using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using TcpLb.Engine.Net.EventLoop;
using TcpLb.Engine.Proxying.Loop;

namespace TcpLb.Engine.Tests.EventLoop
{
    /// <summary>A relay on the engine's loops in front of a <see cref="RawBackend"/>, with what the relay reported.</summary>
    internal sealed class RelayUnderTest : IDisposable
    {
        public RelayUnderTest(int backendPort, LoopLayout layout = LoopLayout.ReusePort, int loops = 2, RelayTimeouts? timeouts = null, IPAddress? address = null, int bufferSize = NativeBufferPool.DefaultBufferSize, IRelayObserver? observer = null, int preambleMaxBytes = 0, int preambleTimeout = 5000, int replayCapacity = 0, bool holdClients = false)
        {
            var options = new LoopRelayOptions
            {
                ListenEndPoint = new IPEndPoint(address ?? IPAddress.Loopback, 0),
                LoopCount = loops,
                Layout = layout,
                Observer = observer ?? Observer,
                Trace = Trace,
                BufferSize = bufferSize,
                Timeouts = timeouts ?? new RelayTimeouts(5000, 0, 0),
                PreambleMaxBytes = preambleMaxBytes,
                PreambleTimeoutMilliseconds = preambleTimeout,
                ReplayCapacity = replayCapacity,
                HoldClients = holdClients,
            };
            options.Backends.Add(new IPEndPoint(address ?? IPAddress.Loopback, backendPort));
            Relay = new LoopRelay(options);
            Relay.Start();
        }

        public LoopRelay Relay { get; }

        public RecordingObserver Observer { get; } = new RecordingObserver();

        public RecordingTrace Trace { get; } = new RecordingTrace();

        public int Port => Relay.LocalEndPoint.Port;

        public async Task<Socket> ConnectAsync()
        {
            IPAddress address = Relay.LocalEndPoint.Address;
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(new IPEndPoint(address, Port)).WaitAsync(TestNet.Patience);
            return socket;
        }

        /// <summary>
        /// Connects a client and reads until the connection ends: the error it ended with (Success for
        /// a FIN). A reset that beats the end of the client's own connect (on loopback it can) counts too.
        /// </summary>
        public async Task<SocketError> ConnectAndReadUntilEndAsync()
        {
            try
            {
                using Socket client = await ConnectAsync();
                return await SocketIo.ReadUntilEndAsync(client);
            }
            catch (SocketException e)
            {
                return e.SocketErrorCode;
            }
        }

        /// <summary>A client through the relay and the backend's end of the same connection.</summary>
        public async Task<(Socket Client, Socket Server)> PairAsync(RawBackend backend)
        {
            Socket client = await ConnectAsync();
            Socket server = await backend.AcceptAsync();
            return (client, server);
        }

        public void Dispose() => Relay.Dispose();
    }

    /// <summary>An observer that does nothing; tests override what they watch.</summary>
    internal abstract class RelayObserverBase : IRelayObserver
    {
        public virtual int OnClientPreamble(IRelayConnection connection, byte[] bytes, int count) => -1;

        public virtual void OnConnected(IRelayConnection connection)
        {
        }

        public virtual void OnConnectFailed(IRelayConnection connection, int errno)
        {
        }

        public virtual void OnFirstServerByte(IRelayConnection connection)
        {
        }

        public virtual void OnHalfClosed(IRelayConnection connection, RelaySide from)
        {
        }

        public virtual void OnReset(IRelayConnection connection, RelaySide from, int errno)
        {
        }

        public virtual void OnTimedOut(IRelayConnection connection, RelayTimeout which)
        {
        }

        public virtual void OnEnding(IRelayConnection connection)
        {
        }

        public virtual void OnClosed(IRelayConnection connection)
        {
        }

        public virtual void OnServerFailedBeforeResponse(IRelayConnection connection, bool movable)
        {
        }
    }

    /// <summary>Everything a relay reported, in order, thread-safe; waits on events, never on time.</summary>
    internal class RecordingObserver : RelayObserverBase
    {
        private readonly ConcurrentQueue<string> _events = new ConcurrentQueue<string>();
        private readonly object _lock = new object();
        private readonly List<(Func<bool> Done, TaskCompletionSource Signal)> _waiters = new List<(Func<bool>, TaskCompletionSource)>();
        private int _closed;

        public int Closed => Volatile.Read(ref _closed);

        public long BytesFromClient;
        public long BytesFromServer;

        public IReadOnlyCollection<string> Events => _events.ToArray();

        public bool Saw(string what) => Array.IndexOf(_events.ToArray(), what) >= 0;

        /// <summary>Completes when <paramref name="done"/> holds (checked at each event).</summary>
        public Task WaitAsync(Func<bool> done)
        {
            lock (_lock)
            {
                if (done())
                {
                    return Task.CompletedTask;
                }
                var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((done, signal));
                return signal.Task.WaitAsync(TestNet.Patience);
            }
        }

        public Task WaitForAsync(string what) => WaitAsync(() => Saw(what));

        /// <summary>The client address the relay saw at its last connect.</summary>
        public IPEndPoint? LastClient { get; private set; }

        public override void OnConnected(IRelayConnection connection)
        {
            LastClient = connection.ClientEndPoint;
            Add("connected");
        }

        public override void OnConnectFailed(IRelayConnection connection, int errno) => Add("connect-failed:" + errno);

        public override void OnFirstServerByte(IRelayConnection connection) => Add("first-server-byte");

        public override void OnHalfClosed(IRelayConnection connection, RelaySide from) => Add("fin:" + from);

        public override void OnReset(IRelayConnection connection, RelaySide from, int errno) => Add("reset:" + from);

        public override void OnTimedOut(IRelayConnection connection, RelayTimeout which) => Add("timeout:" + which);

        public override void OnServerFailedBeforeResponse(IRelayConnection connection, bool movable) => Add("failed-before-response:" + connection.ServerEnd + (movable ? ":movable" : ""));

        public override void OnEnding(IRelayConnection connection) => Add("ending");

        public override void OnClosed(IRelayConnection connection)
        {
            Interlocked.Add(ref BytesFromClient, connection.BytesFromClient);
            Interlocked.Add(ref BytesFromServer, connection.BytesFromServer);
            Interlocked.Increment(ref _closed);
            Add("closed");
        }

        /// <summary>Records an event of the test's own (and wakes waiters).</summary>
        protected void Note(string what) => Add(what);

        private void Add(string what)
        {
            _events.Enqueue(what);
            lock (_lock)
            {
                for (int i = _waiters.Count - 1; i >= 0; i--)
                {
                    if (_waiters[i].Done())
                    {
                        _waiters[i].Signal.TrySetResult();
                        _waiters.RemoveAt(i);
                    }
                }
            }
        }
    }

    internal sealed class RecordingTrace : ILoopTrace
    {
        public ConcurrentQueue<Exception> Faults { get; } = new ConcurrentQueue<Exception>();

        public ConcurrentQueue<int> Pauses { get; } = new ConcurrentQueue<int>();

        public void Faulted(string loop, Exception exception) => Faults.Enqueue(exception);

        public void AcceptPaused(string loop, int errno) => Pauses.Enqueue(errno);

        public ConcurrentQueue<string> Packings { get; } = new ConcurrentQueue<string>();

        /// <summary>Whether <see cref="Packed"/> throws after recording (a trace's fault must not stop the packer).</summary>
        public bool PackedThrows { get; set; }

        public void Packed(int active, int loops, string reason)
        {
            Packings.Enqueue($"{active} of {loops}: {reason}");
            if (PackedThrows)
            {
                throw new InvalidOperationException("a trace that throws");
            }
        }
    }

    /// <summary>Runs a function on a loop's thread and hands back its result.</summary>
    internal sealed class OnLoop<T> : ILoopWorkItem
    {
        private readonly Func<EpollLoop, T> _work;
        private readonly TaskCompletionSource<T> _result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);

        private OnLoop(Func<EpollLoop, T> work) => _work = work;

        public static Task<T> RunAsync(EpollLoop loop, Func<EpollLoop, T> work)
        {
            var item = new OnLoop<T>(work);
            loop.Post(item);
            return item._result.Task.WaitAsync(TestNet.Patience);
        }

        public void Execute(EpollLoop loop)
        {
            try
            {
                _result.TrySetResult(_work(loop));
            }
            catch (Exception e)
            {
                _result.TrySetException(e);
                throw;
            }
        }
    }

    internal static class SocketIo
    {
        /// <summary>The parts one after another in one array.</summary>
        public static byte[] Concat(params byte[][] parts)
        {
            int length = 0;
            foreach (byte[] part in parts)
            {
                length += part.Length;
            }
            var all = new byte[length];
            int offset = 0;
            foreach (byte[] part in parts)
            {
                Buffer.BlockCopy(part, 0, all, offset, part.Length);
                offset += part.Length;
            }
            return all;
        }

        public static byte[] RandomBytes(int count, int seed)
        {
            var bytes = new byte[count];
            new Random(seed).NextBytes(bytes);
            return bytes;
        }

        public static async Task SendAllAsync(Socket socket, byte[] data, int chunk = 64 * 1024)
        {
            using var timeout = new CancellationTokenSource(TestNet.Patience);
            for (int offset = 0; offset < data.Length; offset += chunk)
            {
                await socket.SendAsync(data.AsMemory(offset, Math.Min(chunk, data.Length - offset)), SocketFlags.None, timeout.Token);
            }
        }

        /// <summary>Closes with RST (SO_LINGER 0), as a failing peer does.</summary>
        public static void ResetHard(Socket socket)
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }

        /// <summary><paramref name="from"/> sends FIN with nothing before it; <paramref name="to"/> sees exactly that.</summary>
        public static async Task HalfCloseAsync(Socket from, Socket to)
        {
            from.Shutdown(SocketShutdown.Send);
            Xunit.Assert.Empty(await ReadToEndAsync(to));
        }

        /// <summary>Reads until FIN; throws on a reset.</summary>
        public static Task<byte[]> ReadToEndAsync(Socket socket) => TestNet.ReadToEndAsync(socket);

        /// <summary>Reads until the connection ends: the error it ended with (Success for a FIN).</summary>
        public static async Task<SocketError> ReadUntilEndAsync(Socket socket)
        {
            var buffer = new byte[64 * 1024];
            using var timeout = new CancellationTokenSource(TestNet.Patience);
            try
            {
                while (await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, timeout.Token) > 0)
                {
                }
                return SocketError.Success;
            }
            catch (SocketException e)
            {
                return e.SocketErrorCode;
            }
        }
    }
}
