using System;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using static TcpLbModule.Tests.ModuleSession;

namespace TcpLbModule.Tests
{
    /// <summary>The module's jobs under the core job cmdlets.</summary>
    public class JobLifecycleTests
    {
        [Fact]
        public void Jobs_show_in_Get_Job_with_their_type_and_bound_port()
        {
            using var session = new ModuleSession();

            var output = session.Run(@"
                $b = Start-TcpBackend 0
                $lb = Start-TcpBalancer -Port 0 -Backend $b
                Get-Job | Where-Object { $_.Id -in $b.Id, $lb.Id } | ForEach-Object { $_ }");

            Assert.Equal(2, output.Count);
            var backend = output.Single(j => (string)Prop(j, "PSJobTypeName")! == "TcpBackend");
            var balancer = output.Single(j => (string)Prop(j, "PSJobTypeName")! == "TcpBalancer");
            Assert.Equal("Running", Prop(backend, "JobStateInfo")!.ToString());
            Assert.Equal("Running", Prop(balancer, "JobStateInfo")!.ToString());
            Assert.False(PortIsFree(Prop<int>(backend, "Port")));
            Assert.False(PortIsFree(Prop<int>(balancer, "Port")));
            Assert.Equal($"TcpBalancer:{Prop<int>(balancer, "Port")}", Prop(balancer, "Name"));
            Assert.Equal($"127.0.0.1:{Prop<int>(balancer, "Port")}", Prop(balancer, "Location"));
            Assert.Equal(new[] { $"127.0.0.1:{Prop<int>(backend, "Port")}" }, (string[])Prop(balancer, "Backends")!);
        }

        [Fact]
        public void Stop_Job_returns_within_a_second_frees_the_port_and_Remove_Job_removes_it()
        {
            using var session = new ModuleSession();
            var lb = session.Run("Start-TcpBackend 0 | Start-TcpBalancer -Port 0 -Name lb").Single();
            int port = Prop<int>(lb, "Port");
            // An open proxied connection must not hold the stop up.
            session.Run("$script:held = [System.Net.Sockets.TcpClient]::new('127.0.0.1', $args[0])", port);

            var clock = Stopwatch.StartNew();
            session.Run("Get-Job -Name lb | Stop-Job");
            clock.Stop();

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"Stop-Job took {clock.Elapsed}");
            Assert.True(PortIsFree(port));
            Assert.Equal("Stopped", session.Run("(Get-Job -Name lb).State").Single().ToString());
            Assert.Empty(session.Run("Receive-Job -Name lb"));
            session.Run("Get-Job -Name lb | Remove-Job");
            Assert.Empty(session.Run("Get-Job -Name lb -ErrorAction SilentlyContinue"));
            session.Run("$script:held.Dispose()");
        }

        [Fact]
        public void Wait_Job_returns_once_a_stopped_job_is_finished()
        {
            using var session = new ModuleSession();

            var output = session.Run(@"
                $b = Start-TcpBackend 0
                $null = Stop-Job $b -PassThru | Wait-Job -Timeout 5
                $b.State");

            Assert.Equal("Stopped", output.Single().ToString());
        }

        [Fact]
        public void Remove_Job_refuses_a_running_job_without_Force_and_stops_it_with_Force()
        {
            using var session = new ModuleSession();
            int port = Prop<int>(session.Run("Start-TcpBackend 0 -Name b").Single(), "Port");

            var (_, errors) = session.RunRaw("Remove-Job -Name b");
            Assert.NotEmpty(errors);
            Assert.False(PortIsFree(port));

            session.Run("Remove-Job -Name b -Force");
            Assert.True(PortIsFree(port));
            Assert.Empty(session.Run("Get-Job -Name b -ErrorAction SilentlyContinue"));
        }

        [Fact]
        public void Remove_Module_stops_everything_the_module_started()
        {
            using var session = new ModuleSession();
            var ports = session.Run(@"
                $b = Start-TcpBackend 0, 0
                $lb = Start-TcpBalancer -Port 0 -Backend $b
                $b.Port; $lb.Port").Select(p => (int)p.BaseObject).ToArray();
            Assert.All(ports, p => Assert.False(PortIsFree(p)));

            session.Run("Remove-Module TcpLbModule");

            Assert.All(ports, p => Assert.True(PortIsFree(p), $"port {p} still bound"));
            Assert.All(session.Run("Get-Job | ForEach-Object { $_.State.ToString() }"), s => Assert.Equal("Stopped", s.BaseObject));
        }

        [Fact]
        public void A_backend_job_exposes_its_mode_and_counts_connections()
        {
            using var session = new ModuleSession();

            var output = session.Run(@"
                $b = Start-TcpBackend 0 -Mode Echo
                $null = Invoke-TcpProbe -Port $b.Port -Count 3
                $b").Single();

            Assert.Equal("Echo", Prop(output, "Mode")!.ToString());
            Assert.Equal(3L, Prop<long>(output, "ConnectionsAccepted"));
        }
    }
}
