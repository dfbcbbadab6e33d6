using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Tasks;
using TcpLb.Engine.Net.EventLoop;
using static TcpLb.Engine.Net.EventLoop.LinuxNative;

namespace TcpLb.Engine.Tests.EventLoop
{
    /// <summary>
    /// The loop's batched sends: the ring itself (each send complete when the submitting call
    /// returns, a full socket answered at once), and the loop's use of it (results to the sender,
    /// the handler run after, a queued send made before its socket closes). Where the kernel has no
    /// io_uring, the loop sends one call at a time and these say so.
    /// </summary>
    public class IoUringTests
    {
        private const int AF_UNIX = 1;

        [Fact]
        public unsafe void Sends_queued_together_go_in_one_submit_and_every_result_is_there_when_it_returns()
        {
            using IoUring? ring = IoUring.TryCreate(8);
            if (ring == null)
            {
                Assert.False(IoUringAvailable(), "the kernel offers io_uring but no ring was made");
                return;
            }
            var pairs = new[] { Pair(), Pair(), Pair() };
            try
            {
                string[] texts = { "a", "bb", "ccc" };
                byte* bytes = stackalloc byte[6]; // "abbccc": the kernel reads it during Submit
                int offset = 0;
                for (int i = 0; i < pairs.Length; i++)
                {
                    for (int j = 0; j < texts[i].Length; j++)
                    {
                        bytes[offset + j] = (byte)texts[i][j];
                    }
                    Assert.True(ring.TryQueueSend(pairs[i].A, bytes + offset, texts[i].Length, (ulong)(100 + i)));
                    offset += texts[i].Length;
                }
                Assert.Equal(3, ring.Queued);
                Assert.Equal(0, ring.Submit());
                var results = new ResultList();
                Assert.Equal(3, ring.Reap(ref results));
                Assert.Equal(0, ring.Queued);
                Assert.Equal(new[] { (100UL, 1), (101UL, 2), (102UL, 3) }, results.Items);
                for (int i = 0; i < pairs.Length; i++)
                {
                    Assert.Equal(texts[i], ReadText(pairs[i].B));
                }
            }
            finally
            {
                foreach (var (a, b) in pairs)
                {
                    close(a);
                    close(b);
                }
            }
        }

        [Fact]
        public unsafe void A_full_socket_answers_EAGAIN_at_once_as_send_would_and_nothing_is_left_waiting()
        {
            using IoUring? ring = IoUring.TryCreate(4);
            if (ring == null)
            {
                Assert.False(IoUringAvailable(), "the kernel offers io_uring but no ring was made");
                return;
            }
            var (a, b) = Pair();
            try
            {
                byte* chunk = stackalloc byte[4096];
                while ((long)send(a, chunk, (IntPtr)4096, MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
                {
                    // fill the socket until it refuses
                }
                Assert.True(ring.TryQueueSend(a, chunk, 4096, 7));
                Assert.Equal(0, ring.Submit());
                var results = new ResultList();

                Assert.Equal(1, ring.Reap(ref results));
                Assert.Equal((7UL, -EAGAIN), results.Items[0]);
            }
            finally
            {
                close(a);
                close(b);
            }
        }

        [Fact]
        public async Task A_queued_send_reaches_its_sender_and_then_the_handler_and_one_queued_before_a_close_goes_before_the_FIN()
        {
            using var loop = new EpollLoop("test-loop", batchCalls: true);
            loop.Start();
            var (a, b) = Pair();
            var (c, d) = Pair();
            var handler = new EventRecorder();
            byte[] hello = Encoding.ASCII.GetBytes("hello");
            IntPtr native = Marshal.AllocHGlobal(hello.Length);
            try
            {
                Marshal.Copy(hello, 0, native, hello.Length);
                bool batched = await OnLoop<bool>.RunAsync(loop, l =>
                {
                    LoopSocket kept = l.Register(a, handler);
                    LoopSocket closed = l.Register(c, handler);
                    if (!l.BatchesCalls)
                    {
                        return false;
                    }
                    QueueSend(l, kept, handler, native, hello.Length);
                    QueueSend(l, closed, handler, native, hello.Length);
                    closed.Close(); // the send queued on it is made first
                    return true;
                });
                if (!batched)
                {
                    Assert.False(IoUringAvailable(), "the kernel offers io_uring but the loop sends one call at a time");
                    return;
                }
                Assert.Equal("hello", ReadText(b));
                Assert.Equal("hello", ReadText(d));
                Assert.Equal(0, ReadText(d).Length); // then the FIN
                await handler.Ready.Task.WaitAsync(TestNet.Patience);
                Assert.Equal(new[] { 5, 5 }, handler.Results.ToArray());
                Assert.Equal(1, handler.ReadyCalls); // only the open socket's handler runs after its result
                Assert.Equal(10, await OnLoop<long>.RunAsync(loop, l => l.BytesSent));
            }
            finally
            {
                loop.Stop();
                Marshal.FreeHGlobal(native);
                close(b);
                close(d);
            }
        }

        private static bool IoUringAvailable()
            => !System.IO.File.Exists("/proc/sys/kernel/io_uring_disabled") || System.IO.File.ReadAllText("/proc/sys/kernel/io_uring_disabled").Trim() != "2";

        private static unsafe void QueueSend(EpollLoop loop, LoopSocket socket, IRingCompletion owner, IntPtr bytes, int length)
            => loop.QueueSend(socket, owner, (byte*)bytes, length);

        private static unsafe (int A, int B) Pair()
        {
            int* fds = stackalloc int[2];
            Assert.Equal(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds));
            return (fds[0], fds[1]);
        }

        private static unsafe string ReadText(int fd)
        {
            byte* buffer = stackalloc byte[256];
            long read = (long)recv(fd, buffer, (IntPtr)256, MSG_DONTWAIT);
            Assert.True(read >= 0, "recv failed: errno " + Errno);
            return Encoding.ASCII.GetString(buffer, (int)read);
        }

        [DllImport("libc", SetLastError = true)]
        private static extern unsafe int socketpair(int domain, int type, int protocol, int* fds);

        private struct ResultList : IoUring.ICompletionSink
        {
            public List<(ulong, int)> Items;

            public void Completed(ulong userData, int result) => (Items ??= new List<(ulong, int)>()).Add((userData, result));
        }

        private sealed class EventRecorder : ILoopSocketHandler, IRingCompletion
        {
            public List<int> Results { get; } = new List<int>();

            public int ReadyCalls;

            public TaskCompletionSource Ready { get; } = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

            public void SendCompleted(int result) => Results.Add(result);

            public void ReceiveCompleted(int result) => Received.Add(result);

            public List<int> Received { get; } = new List<int>();

            public void OnReady(LoopSocket socket, uint events)
            {
                if (events == 0)
                {
                    ReadyCalls++;
                    Ready.TrySetResult();
                }
            }

            public void Abort()
            {
            }
        }
    }
}
