using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using TcpLb.Engine.Net;
using TcpLb.Engine.Net.EventLoop;
using TcpLb.Engine.Proxying.Loop;

namespace TcpLb.Engine.Tests.EventLoop
{
    /// <summary>How a group of loops spreads its connections (<see cref="LoopLayout"/>).</summary>
    public class LoopLayoutTests
    {
        [Fact]
        public async Task Least_loaded_spreads_connections_arriving_one_at_a_time_evenly_and_refills_the_loop_that_lost_its_own()
        {
            using var backend = new RawBackend();
            var observer = new LoopWitness();
            using var relay = new RelayUnderTest(backend.Port, loops: 2, observer: observer, layout: LoopLayout.LeastLoaded);
            string[] loops = relay.Relay.Listener.Loops.Select(l => l.Name).ToArray();
            var open = new List<(Socket Client, Socket Server, string Loop)>();
            try
            {
                for (int i = 0; i < 12; i++)
                {
                    open.Add(await PairOnLoopAsync(relay, backend, observer));
                    int[] perLoop = loops.Select(name => open.Count(p => p.Loop == name)).ToArray();
                    Assert.True(perLoop.Max() - perLoop.Min() <= 1, $"after {i + 1} connections the loops carry {string.Join("/", perLoop)}");
                }

                // Every connection of the first loop ends: the next ones all go there, whichever loop accepts them.
                var gone = open.Where(p => p.Loop == loops[0]).ToList();
                foreach (var (client, server, _) in gone)
                {
                    client.Dispose();
                    server.Dispose();
                    open.RemoveAll(p => ReferenceEquals(p.Client, client));
                }
                await LoopConnectionSetTests.WaitUntilAsync(() => relay.Relay.Listener.Connections.Count == open.Count);
                for (int i = 0; i < gone.Count; i++)
                {
                    var pair = await PairOnLoopAsync(relay, backend, observer);
                    open.Add(pair);
                    Assert.Equal(loops[0], pair.Loop);
                }
                Assert.Equal(6, open.Count(p => p.Loop == loops[0]));
                Assert.Equal(6, open.Count(p => p.Loop == loops[1]));
            }
            finally
            {
                foreach (var (client, server, _) in open)
                {
                    client.Dispose();
                    server.Dispose();
                }
            }
            Assert.Empty(relay.Trace.Faults);
        }

        [Theory]
        [InlineData(null, "Packed")] // the default
        [InlineData("", "Packed")]
        [InlineData("reuseport", "ReusePort")]
        [InlineData("HandOff", "HandOff")]
        [InlineData(" leastloaded ", "LeastLoaded")]
        [InlineData("PACKED", "Packed")]
        public void The_diagnostic_variable_names_a_layout(string? value, string expected)
            => Assert.Equal(expected, LoopLayouts.Parse(value).ToString());

        [Fact]
        public void An_unknown_layout_is_an_error_naming_it_and_the_accepted_ones()
        {
            var error = Assert.Throws<EnvironmentValueException>(() => LoopLayouts.Parse("fastest"));
            Assert.Contains("TCPLB_LOOP_LAYOUT", error.Message);
            Assert.Contains("'fastest'", error.Message);
            Assert.Contains("reuseport, handoff, leastloaded, packed", error.Message);
        }

        /// <summary>Connects a client, takes its backend connection, and says which loop carries it.</summary>
        private static async Task<(Socket Client, Socket Server, string Loop)> PairOnLoopAsync(RelayUnderTest relay, RawBackend backend, LoopWitness observer)
        {
            var (client, server) = await relay.PairAsync(backend);
            int port = ((IPEndPoint)client.LocalEndPoint!).Port;
            await observer.WaitAsync(() => observer.LoopOf.ContainsKey(port));
            return (client, server, observer.LoopOf[port]);
        }

        /// <summary>Records the loop of each connection, by the client's port, when its server is connected.</summary>
        private sealed class LoopWitness : RecordingObserver
        {
            public ConcurrentDictionary<int, string> LoopOf { get; } = new ConcurrentDictionary<int, string>();

            public override void OnConnected(IRelayConnection connection)
            {
                LoopOf[connection.ClientEndPoint!.Port] = ((LoopRelayConnection)connection).Loop.Name;
                base.OnConnected(connection);
            }
        }
    }
}
