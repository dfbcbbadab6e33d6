using System;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Net.Sockets;
using System.Text;
using static TcpLbModule.Tests.ModuleSession;

namespace TcpLbModule.Tests
{
    /// <summary>Failover, health checks, drain, live pool changes and limits, through the cmdlets.</summary>
    public class FaultToleranceTests
    {
        private const string FastChecks = "-HealthCheckInterval 100 -HealthCheckTimeout 500 -Rise 2 -Fall 2";

        [Fact]
        public void Stopping_a_backend_mid_run_fails_no_probe_and_it_rejoins_when_back()
        {
            using var session = new ModuleSession();

            var output = session.Run($@"
                $b = Start-TcpBackend 0, 0, 0
                $lb = Start-TcpBalancer -Port 0 -Backend $b -Name lb {FastChecks}
                $probe = Invoke-TcpProbe -Port $lb.Port -Count 300 -Concurrency 4 -AsJob
                $port2 = $b[1].Port
                Stop-Job $b[1]
                $down = Wait-TcpBalancerBackend -Name lb -Backend $port2 -State Down -Timeout 20000
                $null = Wait-Job $probe -Timeout 60
                $failed = @(Receive-Job $probe | Where-Object Status -ne 'Success').Count
                $null = Start-TcpBackend $port2
                $up = Wait-TcpBalancerBackend -Name lb -Backend $port2 -State Up -Timeout 20000
                $after = Invoke-TcpProbe -Port $lb.Port -Count 6
                $events = Receive-Job $lb
                [pscustomobject]@{{ Failed = $failed; Down = $down.State; Up = $up.State; After = $after; Events = $events; Ports = $b.Port }}").Single();

            Assert.Equal(0, Prop<int>(output, "Failed"));
            Assert.Equal("Down", Prop(output, "Down")!.ToString());
            Assert.Equal("Up", Prop(output, "Up")!.ToString());
            var after = ((object[])Prop(output, "After")!).Select(PSObject.AsPSObject).ToArray();
            Assert.All(after, r => Assert.Equal("Success", Prop(r, "Status")!.ToString()));
            var ports = ((object[])Prop(output, "Ports")!).Select(p => (int)p).OrderBy(p => p);
            Assert.Equal(ports, after.Select(r => Prop<int>(r, "Backend")).Distinct().OrderBy(p => p));
            var events = ((object[])Prop(output, "Events")!).Select(PSObject.AsPSObject).Select(e => Prop(e, "State")!.ToString()).ToArray();
            Assert.Equal(new[] { "Down", "Up" }, events);
        }

        [Fact]
        public void With_every_backend_down_probes_fail_fast_and_the_balancer_serves_again_when_one_returns()
        {
            using var session = new ModuleSession();
            int port = TestPorts.Free();

            var output = session.Run($@"
                $lb = Start-TcpBalancer -Port 0 -Backend $args[0] -Name lb -HealthCheckInterval 100 -HealthCheckTimeout 500 -Rise 1 -Fall 2
                $failed = Invoke-TcpProbe -Port $lb.Port -Count 4
                $state = $lb.State.ToString()
                $null = Start-TcpBackend $args[0]
                $null = Wait-TcpBalancerBackend -Name lb -Backend $args[0] -State Up
                $served = Invoke-TcpProbe -Port $lb.Port -Count 2
                [pscustomobject]@{{ Failed = $failed; State = $state; Served = $served; FailedCount = $lb.Failed }}", port).Single();

            var failed = ((object[])Prop(output, "Failed")!).Select(PSObject.AsPSObject).ToArray();
            Assert.All(failed, r => Assert.Equal("Reset", Prop(r, "Status")!.ToString()));
            Assert.All(failed, r => Assert.True(Prop<TimeSpan>(r, "Latency") < TimeSpan.FromSeconds(3)));
            Assert.Equal("Running", Prop(output, "State"));
            Assert.True(Prop<long>(output, "FailedCount") >= 4);
            var served = ((object[])Prop(output, "Served")!).Select(PSObject.AsPSObject).ToArray();
            Assert.All(served, r => Assert.Equal(port, Prop<int>(r, "Backend")));
        }

        [Fact]
        public void Drain_keeps_a_long_connection_sends_new_ones_elsewhere_and_Stop_TcpBalancer_Drain_waits_for_it()
        {
            using var session = new ModuleSession();
            var lb = session.Run(@"
                $echo = Start-TcpBackend 0 -Mode Echo
                $other = Start-TcpBackend 0
                $script:echoPort = $echo.Port; $script:otherPort = $other.Port
                Start-TcpBalancer -Port 0 -Backend $echo, $other -Name lb").Single();
            int port = Prop<int>(lb, "Port");
            using Socket longLived = Connect(port);
            Exchange(longLived, "before");

            var fresh = session.Run("Disable-TcpBalancerBackend -Name lb -Backend $script:echoPort -Drain; Invoke-TcpProbe -Port $args[0] -Count 4", port);
            Exchange(longLived, "during drain");
            int otherPort = (int)session.Run("$script:otherPort").Single().BaseObject;
            Assert.All(fresh, r => Assert.Equal(otherPort, Prop<int>(r, "Backend")));
            Assert.Equal("Draining", session.Run("(Get-TcpBalancerBackend -Name lb -Backend $script:echoPort).State").Single().ToString());

            using PowerShell stop = session.CreateCommand("Stop-TcpBalancer -Name lb -Drain -Timeout 30000");
            IAsyncResult stopping = stop.BeginInvoke();
            Exchange(longLived, "while stopping");
            Assert.False(stopping.IsCompleted);
            longLived.Shutdown(SocketShutdown.Send);
            Assert.Equal(0, longLived.Receive(new byte[16]));
            Assert.True(stopping.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(20)), "Stop-TcpBalancer -Drain did not return after the last connection closed");
            stop.EndInvoke(stopping);

            Assert.True(PortIsFree(port));
        }

        [Fact]
        public void Adding_and_removing_backends_while_probes_run_fails_no_probe()
        {
            using var session = new ModuleSession();

            var output = session.Run(@"
                $b = Start-TcpBackend 0, 0, 0
                $lb = Start-TcpBalancer -Port 0 -Backend $b[0], $b[1] -Name lb
                $probe = Invoke-TcpProbe -Port $lb.Port -Count 400 -Concurrency 4 -AsJob
                Add-TcpBalancerBackend -Name lb -Backend $b[2]
                Remove-TcpBalancerBackend -Name lb -Backend $b[0]
                $null = Wait-Job $probe -Timeout 60
                $failed = @(Receive-Job $probe | Where-Object Status -ne 'Success').Count
                $after = Invoke-TcpProbe -Port $lb.Port -Count 4 | ForEach-Object Backend
                [pscustomobject]@{ Failed = $failed; After = $after; Expected = $b[1].Port, $b[2].Port, $b[1].Port, $b[2].Port; Pool = $lb.Backends }").Single();

            Assert.Equal(0, Prop<int>(output, "Failed"));
            Assert.Equal(((object[])Prop(output, "Expected")!).Select(o => Convert.ToInt32(PSObject.AsPSObject(o).BaseObject)), ((object[])Prop(output, "After")!).Select(o => Convert.ToInt32(PSObject.AsPSObject(o).BaseObject)));
            Assert.Equal(2, ((string[])Prop(output, "Pool")!).Length);
        }

        [Fact]
        public void Get_TcpBalancerBackend_reports_state_and_counters()
        {
            using var session = new ModuleSession();

            var status = session.Run(@"
                $b = Start-TcpBackend 0, 0
                $lb = Start-TcpBalancer -Port 0 -Backend $b -Name lb -HealthCheckInterval 100
                $null = Invoke-TcpProbe -Port $lb.Port -Count 4 -Message 'abc'
                $null = Wait-TcpBalancerBackend -Name lb -Backend $b -State Up
                Get-TcpBalancerBackend -Name lb");

            Assert.Equal(2, status.Count);
            Assert.All(status, s => Assert.Equal("Up", Prop(s, "State")!.ToString()));
            Assert.All(status, s => Assert.Equal(2L, Prop<long>(s, "TotalConnections")));
            Assert.All(status, s => Assert.Equal(6L, Prop<long>(s, "BytesToBackend")));
            Assert.All(status, s => Assert.Equal("lb", Prop(s, "Balancer")));
        }

        [Fact]
        public void Past_MaxConnections_a_client_is_refused_and_counted()
        {
            using var session = new ModuleSession();
            var lb = session.Run("Start-TcpBackend 0 -Mode Echo | Start-TcpBalancer -Port 0 -MaxConnections 1 -QueueLength 0 -Name lb").Single();
            using Socket holder = Connect(Prop<int>(lb, "Port"));
            Exchange(holder, "hold");

            var refused = session.Run("Invoke-TcpProbe -Port $args[0] -Count 1", Prop<int>(lb, "Port")).Single();

            Assert.Equal("Reset", Prop(refused, "Status")!.ToString());
            Assert.Equal(1L, Prop<long>(session.Run("Get-Job -Name lb").Single(), "Rejected"));
        }

        [Fact]
        public void Control_cmdlets_name_what_they_cannot_find()
        {
            using var session = new ModuleSession();
            session.Run("Start-TcpBackend 0 | Start-TcpBalancer -Port 0 -Name lb");

            var noJob = session.RunExpectingError("Get-TcpBalancerBackend -Name nosuch");
            var noBackend = session.RunExpectingError("Remove-TcpBalancerBackend -Name lb -Backend 1");
            var duplicate = session.RunExpectingError("$p = (Get-TcpBalancerBackend -Name lb).Port; Add-TcpBalancerBackend -Name lb -Backend $p");
            var badBackend = session.RunExpectingError("Disable-TcpBalancerBackend -Name lb -Backend 'x:y'");
            var timeout = session.RunExpectingError("$p = (Get-TcpBalancerBackend -Name lb).Port; Wait-TcpBalancerBackend -Name lb -Backend $p -State Down -Timeout 100");

            Assert.StartsWith("JobNotFound", noJob.FullyQualifiedErrorId);
            Assert.Contains("'nosuch'", noJob.Exception.Message);
            Assert.StartsWith("BackendNotFound", noBackend.FullyQualifiedErrorId);
            Assert.Contains("127.0.0.1:1 is not in the pool", noBackend.Exception.Message);
            Assert.StartsWith("CannotAddBackend", duplicate.FullyQualifiedErrorId);
            Assert.Contains("already in the pool", duplicate.Exception.Message);
            Assert.Contains("'x:y'", badBackend.Exception.Message);
            Assert.StartsWith("WaitTimeout", timeout.FullyQualifiedErrorId);
            Assert.Contains("is Up", timeout.Exception.Message);
        }

        private static Socket Connect(int port)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 30_000 };
            socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
            return socket;
        }

        private static void Exchange(Socket socket, string text)
        {
            byte[] bytes = Encoding.ASCII.GetBytes(text);
            socket.Send(bytes);
            var back = new byte[bytes.Length];
            int got = 0;
            while (got < back.Length)
            {
                int read = socket.Receive(back, got, back.Length - got, SocketFlags.None);
                Assert.True(read > 0, "the connection closed during an exchange");
                got += read;
            }
            Assert.Equal(text, Encoding.ASCII.GetString(back));
        }
    }
}
