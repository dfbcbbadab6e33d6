using System.Linq;
using System.Management.Automation;
using static TcpLbModule.Tests.ModuleSession;

namespace TcpLbModule.Tests
{
    /// <summary>The README's demo, run through the real cmdlets on ephemeral ports.</summary>
    public class DemoTests
    {
        [Fact]
        public void Readme_demo_rotates_through_three_backends_in_order()
        {
            using var session = new ModuleSession();

            var output = session.Run(@"
                $backends = 0, 0, 0 | Start-TcpBackend
                $lb = Start-TcpBalancer -Port 0 -Backend $backends
                $results = Invoke-TcpProbe -Port $lb.Port -Count 10
                [pscustomobject]@{ Backends = $backends; Balancer = $lb; Results = $results }");

            PSObject run = output.Single();
            int[] ports = ((object[])Prop(run, "Backends")!).Select(b => Prop<int>(PSObject.AsPSObject(b), "Port")).ToArray();
            var results = ((object[])Prop(run, "Results")!).Select(PSObject.AsPSObject).ToArray();

            Assert.Equal(3, ports.Distinct().Count());
            Assert.All(ports, p => Assert.InRange(p, 1, 65535));
            Assert.Equal(10, results.Length);
            Assert.Equal(Enumerable.Range(1, 10), results.Select(r => Prop<int>(r, "Sequence")));
            Assert.All(results, r => Assert.Equal("Success", Prop(r, "Status")!.ToString()));
            int[] expected = Enumerable.Range(0, 10).Select(i => ports[i % 3]).ToArray();
            Assert.Equal(expected, results.Select(r => Prop<int>(r, "Backend")));
            Assert.Equal(expected.Select(p => $"Response from server running on port {p}"), results.Select(r => (string)Prop(r, "Response")!));
            Assert.All(results, r => Assert.Null(Prop(r, "Error")));
            Assert.All(results, r => Assert.True(Prop<System.TimeSpan>(r, "Latency") > System.TimeSpan.Zero));
            Assert.All(results, r => Assert.EndsWith(":" + Prop<int>(PSObject.AsPSObject(Prop(run, "Balancer")!), "Port"), (string)Prop(r, "Target")!));
        }

        [Fact]
        public void Backend_jobs_pipe_into_the_balancer_and_the_balancer_into_the_probe()
        {
            using var session = new ModuleSession();

            var output = session.Run(@"
                $lb = Start-TcpBackend 0, 0, 0 | Start-TcpBalancer -Port 0
                $lb | Invoke-TcpProbe -Count 6
                ");

            var backends = output.Select(r => Prop<int>(r, "Backend")).ToArray();
            Assert.Equal(6, backends.Length);
            Assert.Equal(3, backends.Distinct().Count());
            Assert.Equal(backends.Take(3), backends.Skip(3));
        }

        [Fact]
        public void Ports_from_the_pipeline_and_host_port_forms_are_accepted()
        {
            using var session = new ModuleSession();

            var output = session.Run(@"
                $b = Start-TcpBackend -Port 0, 0
                $lb = Start-TcpBalancer -Port 0 -Backend $b[0].Port, ('127.0.0.1:' + $b[1].Port)
                $b[0].Port, $b[1].Port
                Invoke-TcpProbe -Port $lb.Port -ComputerName 127.0.0.1 -Count 2 | ForEach-Object Backend
                ($lb.Backends -join ',')");

            Assert.Equal(output[0].BaseObject, output[2].BaseObject);
            Assert.Equal(output[1].BaseObject, output[3].BaseObject);
            Assert.Equal($"127.0.0.1:{output[0]},127.0.0.1:{output[1]}", output[4].BaseObject);
        }

        [Fact]
        public void Echo_backend_returns_the_message()
        {
            using var session = new ModuleSession();

            var output = session.Run(@"
                $lb = Start-TcpBackend 0 -Mode Echo | Start-TcpBalancer -Port 0
                Invoke-TcpProbe -Port $lb.Port -Count 2 -Message 'ping pong'");

            Assert.All(output, r => Assert.Equal("ping pong", Prop(r, "Response")));
            Assert.All(output, r => Assert.Null(Prop(r, "Backend")));
            Assert.All(output, r => Assert.Equal(9, Prop<int>(r, "BytesSent")));
        }
    }
}
