using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using static TcpLbModule.Tests.ModuleSession;

namespace TcpLbModule.Tests
{
    public class ProbeTests
    {
        [Fact]
        public void A_closed_port_gives_Refused_results_not_an_exception()
        {
            using var session = new ModuleSession();

            var results = session.Run("Invoke-TcpProbe -Port $args[0] -ComputerName 127.0.0.1 -Count 3", TestPorts.Free());

            Assert.Equal(3, results.Count);
            Assert.All(results, r => Assert.Equal("Refused", Prop(r, "Status")!.ToString()));
            Assert.All(results, r => Assert.Contains("refused", (string)Prop(r, "Error")!));
        }

        [Fact]
        public void Localhost_reaches_a_listener_on_either_loopback_family()
        {
            using var session = new ModuleSession();

            var results = session.Run("$b = Start-TcpBackend 0 -ListenAddress ::1; Invoke-TcpProbe -Port $b.Port -Count 2");

            Assert.All(results, r => Assert.Equal("Success", Prop(r, "Status")!.ToString()));
            Assert.All(results, r => Assert.StartsWith("[::1]:", (string)Prop(r, "RemoteEndPoint")!));
        }

        [Fact]
        public void A_server_that_never_answers_gives_Timeout_within_the_timeout()
        {
            using var session = new ModuleSession();
            using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            silent.Listen(8); // accepts into the backlog, never replies or closes
            int port = ((IPEndPoint)silent.LocalEndPoint!).Port;

            var results = session.Run("Invoke-TcpProbe -Port $args[0] -ComputerName 127.0.0.1 -Count 2 -Timeout 300", port);

            Assert.Equal(2, results.Count);
            Assert.All(results, r => Assert.Equal("Timeout", Prop(r, "Status")!.ToString()));
            Assert.All(results, r => Assert.Contains("300 ms", (string)Prop(r, "Error")!));
            Assert.All(results, r => Assert.InRange(Prop<TimeSpan>(r, "Latency"), TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10)));
        }

        [Fact]
        public void Concurrency_runs_every_sequence_number_once()
        {
            using var session = new ModuleSession();

            var results = session.Run("$lb = Start-TcpBackend 0, 0 | Start-TcpBalancer -Port 0; Invoke-TcpProbe -Port $lb.Port -Count 40 -Concurrency 8");

            Assert.Equal(Enumerable.Range(1, 40), results.Select(r => Prop<int>(r, "Sequence")).OrderBy(s => s));
            Assert.All(results, r => Assert.Equal("Success", Prop(r, "Status")!.ToString()));
            Assert.Equal(2, results.Select(r => Prop<int>(r, "Backend")).Distinct().Count());
        }

        [Fact]
        public void AsJob_returns_a_TcpProbe_job_whose_output_is_the_results()
        {
            using var session = new ModuleSession();

            var output = session.Run(@"
                $lb = Start-TcpBackend 0, 0, 0 | Start-TcpBalancer -Port 0
                $job = Invoke-TcpProbe -Port $lb.Port -Count 5 -AsJob
                $job.PSJobTypeName
                $null = Wait-Job $job -Timeout 30
                $job.State.ToString()
                Receive-Job $job");

            Assert.Equal("TcpProbe", output[0].BaseObject);
            Assert.Equal("Completed", output[1].BaseObject);
            var results = output.Skip(2).ToArray();
            Assert.Equal(Enumerable.Range(1, 5), results.Select(r => Prop<int>(r, "Sequence")));
            Assert.All(results, r => Assert.Equal("Success", Prop(r, "Status")!.ToString()));
        }

        [Fact]
        public void An_unresolvable_computer_name_is_a_terminating_error_naming_it()
        {
            using var session = new ModuleSession();

            var error = session.RunExpectingError("Invoke-TcpProbe -ComputerName no-such-host.invalid -Count 1");

            Assert.Contains("no-such-host.invalid", error.Exception.Message);
        }
    }
}
