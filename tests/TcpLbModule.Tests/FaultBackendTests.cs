using System;
using System.Linq;
using System.Management.Automation;
using static TcpLbModule.Tests.ModuleSession;

namespace TcpLbModule.Tests
{
    /// <summary>Fault-injecting backends through the cmdlets: Start-TcpBackend -Fault/-Latency/-Jitter/-BandwidthKBps and Set-TcpBackend.</summary>
    public class FaultBackendTests
    {
        private static int JobCount(ModuleSession session) => session.Run("@(Get-Job).Count").Single().BaseObject is int n ? n : -1;

        private static string Status(PSObject result) => Prop(result, "Status")!.ToString()!;

        [Fact]
        public void Fault_Refuse_refuses_on_a_bound_port_and_Set_TcpBackend_heals_it_on_the_same_port()
        {
            using var session = new ModuleSession();

            var output = session.Run(@"
                $b = Start-TcpBackend 0 -Fault Refuse -Name fb
                $refused = Invoke-TcpProbe -Port $b.Port -Count 2
                $fault = $b.Fault.ToString()
                Set-TcpBackend -Name fb -Fault None
                $healed = Invoke-TcpProbe -Port $b.Port -Count 2
                [pscustomobject]@{ Port = $b.Port; Refused = $refused; Healed = $healed; FaultBefore = $fault; FaultAfter = $b.Fault.ToString() }").Single();

            int port = Prop<int>(output, "Port");
            var refused = ((object[])Prop(output, "Refused")!).Select(PSObject.AsPSObject).ToArray();
            var healed = ((object[])Prop(output, "Healed")!).Select(PSObject.AsPSObject).ToArray();
            Assert.All(refused, r => Assert.Equal("Refused", Status(r)));
            Assert.All(healed, r => Assert.Equal("Success", Status(r)));
            Assert.All(healed, r => Assert.Equal(port, Prop<int>(r, "Backend")));
            Assert.Equal("Refuse", Prop(output, "FaultBefore"));
            Assert.Equal("None", Prop(output, "FaultAfter"));
        }

        [Fact]
        public void A_refusing_backend_keeps_its_port_until_Stop_Job()
        {
            using var session = new ModuleSession();

            var b = session.Run("Start-TcpBackend 0 -Fault Refuse").Single();
            int port = Prop<int>(b, "Port");

            Assert.False(PortIsFree(port));
            session.Run("Get-Job | Stop-Job");
            Assert.True(PortIsFree(port));
        }

        [Theory]
        [InlineData("Close", "Success")]
        [InlineData("Reset", "Reset")]
        [InlineData("Blackhole", "Timeout")]
        public void Start_TcpBackend_Fault_shows_in_the_probe(string fault, string status)
        {
            using var session = new ModuleSession();

            var results = session.Run("$b = Start-TcpBackend 0 -Fault $args[0]; Invoke-TcpProbe -Port $b.Port -Count 2 -Timeout 500", fault);

            Assert.Equal(2, results.Count);
            Assert.All(results, r => Assert.Equal(status, Status(r)));
            Assert.All(results, r => Assert.Null(Prop(r, "Backend")));
            Assert.Equal(2L, Prop<long>(session.Run("Get-Job").Single(), "FaultedConnections"));
        }

        [Fact]
        public void A_backend_broken_mid_run_behind_a_balancer_goes_Down_fails_no_probe_and_rejoins_when_healed()
        {
            using var session = new ModuleSession();

            var output = session.Run(@"
                $b = Start-TcpBackend 0, 0
                $lb = Start-TcpBalancer -Port 0 -Backend $b -Name lb -HealthCheckInterval 100 -HealthCheckTimeout 500 -Rise 2 -Fall 2
                $probe = Invoke-TcpProbe -Port $lb.Port -Count 200 -Concurrency 4 -AsJob
                $b[1] | Set-TcpBackend -Fault Refuse
                $down = Wait-TcpBalancerBackend -Name lb -Backend $b[1] -State Down -Timeout 20000
                $null = Wait-Job $probe -Timeout 60
                $failed = @(Receive-Job $probe | Where-Object Status -ne 'Success').Count
                Set-TcpBackend -Id $b[1].Id -Fault None
                $up = Wait-TcpBalancerBackend -Name lb -Backend $b[1] -State Up -Timeout 20000
                $after = Invoke-TcpProbe -Port $lb.Port -Count 4
                [pscustomobject]@{ Failed = $failed; Down = $down.State; Up = $up.State; After = $after; Ports = $b.Port }").Single();

            Assert.Equal(0, Prop<int>(output, "Failed"));
            Assert.Equal("Down", Prop(output, "Down")!.ToString());
            Assert.Equal("Up", Prop(output, "Up")!.ToString());
            var after = ((object[])Prop(output, "After")!).Select(PSObject.AsPSObject).ToArray();
            Assert.All(after, r => Assert.Equal("Success", Status(r)));
            var ports = ((object[])Prop(output, "Ports")!).Select(p => (int)p).OrderBy(p => p);
            Assert.Equal(ports, after.Select(r => Prop<int>(r, "Backend")).Distinct().OrderBy(p => p));
        }

        [Fact]
        public void Latency_and_jitter_delay_each_reply_and_Set_TcpBackend_changes_only_what_it_is_given()
        {
            using var session = new ModuleSession();

            var output = session.Run(@"
                $b = Start-TcpBackend 0 -Latency 200 -Jitter 50 -BandwidthKBps 64
                $slow = Invoke-TcpProbe -Port $b.Port -Count 3
                $set = $b | Set-TcpBackend -Latency 0 -PassThru
                $fast = Invoke-TcpProbe -Port $b.Port -Count 3
                [pscustomobject]@{ Slow = $slow; Fast = $fast; Set = $set; Latency = $b.Latency; Jitter = $b.Jitter; BandwidthKBps = $b.BandwidthKBps }").Single();

            var slow = ((object[])Prop(output, "Slow")!).Select(PSObject.AsPSObject).ToArray();
            var fast = ((object[])Prop(output, "Fast")!).Select(PSObject.AsPSObject).ToArray();
            Assert.All(slow, r => Assert.Equal("Success", Status(r)));
            Assert.All(slow, r => Assert.InRange(Prop<TimeSpan>(r, "Latency"), TimeSpan.FromMilliseconds(140), TimeSpan.FromSeconds(3)));
            Assert.All(fast, r => Assert.Equal("Success", Status(r)));
            Assert.All(fast, r => Assert.True(Prop<TimeSpan>(r, "Latency") < TimeSpan.FromMilliseconds(140), $"{Prop<TimeSpan>(r, "Latency")} with no latency"));
            Assert.Equal(0, Prop<int>(output, "Latency"));
            Assert.Equal(50, Prop<int>(output, "Jitter"));
            Assert.Equal(64, Prop<int>(output, "BandwidthKBps"));
            Assert.Equal("TcpLbModule.Jobs.TcpBackendJob", PSObject.AsPSObject(Prop(output, "Set")!).BaseObject.GetType().FullName);
        }

        [Fact]
        public void BandwidthKBps_paces_a_256_KiB_echo_at_512_KiB_per_second()
        {
            using var session = new ModuleSession();

            var result = session.Run("$b = Start-TcpBackend 0 -Mode Echo -BandwidthKBps 512; Invoke-TcpProbe -Port $b.Port -Count 1 -Message ('x' * 256KB) -Timeout 20000").Single();

            Assert.Equal("Success", Status(result));
            Assert.Equal(256L * 1024, Prop<long>(result, "BytesReceived"));
            Assert.True(Prop<TimeSpan>(result, "Latency") >= TimeSpan.FromSeconds(0.4), $"256 KiB at 512 KiB/s came back in {Prop<TimeSpan>(result, "Latency")}");
        }

        [Fact]
        public void Set_TcpBackend_WhatIf_changes_nothing()
        {
            using var session = new ModuleSession();

            var fault = session.Run("$b = Start-TcpBackend 0 -Name fb; Set-TcpBackend -Name fb -Fault Reset -WhatIf; $b.Fault.ToString()").Single();

            Assert.Equal("None", fault.BaseObject);
        }

        [Theory]
        [InlineData("Set-TcpBackend -Name nosuch -Fault None", "JobNotFound", "'nosuch'")]
        [InlineData("Set-TcpBackend -Id 99999 -Fault None", "JobNotFound", "Id 99999")]
        [InlineData("Set-TcpBackend -Name fb", "NothingToChange", "-Fault, -Latency, -Jitter and -BandwidthKBps")]
        [InlineData("Set-TcpBackend -Name fb -Latency -1", "ParameterArgumentValidationError", "minimum allowed range of 0")]
        [InlineData("Set-TcpBackend -Name fb -Jitter 3600001", "ParameterArgumentValidationError", "3600000")]
        [InlineData("Set-TcpBackend -Name fb -BandwidthKBps 2000000", "ParameterArgumentValidationError", "1048576")]
        [InlineData("Set-TcpBackend -Name fb -Fault Broken", "CannotConvertArgument", "Refuse")]
        [InlineData("Stop-Job -Name fb; Set-TcpBackend -Name fb -Fault None", "JobNotRunning", "is Stopped")]
        public void Set_TcpBackend_bad_input_is_a_terminating_error_that_names_it(string script, string errorId, string message)
        {
            using var session = new ModuleSession();
            session.Run("$null = Start-TcpBackend 0 -Name fb");

            ErrorRecord error = session.RunExpectingError(script);

            Assert.StartsWith(errorId, error.FullyQualifiedErrorId);
            Assert.Contains(message, error.Exception.Message);
            Assert.Equal("None", session.Run("(Get-Job -Name fb).Fault.ToString()").Single().BaseObject);
        }

        [Theory]
        [InlineData("Start-TcpBackend 0 -Latency -5", "-5", "minimum allowed range of 0")]
        [InlineData("Start-TcpBackend 0 -Jitter 4000000", "4000000", "3600000")]
        [InlineData("Start-TcpBackend 0 -BandwidthKBps -1", "-1", "minimum allowed range of 0")]
        [InlineData("Start-TcpBackend 0 -Fault Sometimes", "Sometimes", "Blackhole")]
        public void Start_TcpBackend_bad_fault_input_names_the_value_and_starts_nothing(string script, string value, string accepted)
        {
            using var session = new ModuleSession();

            ErrorRecord error = session.RunExpectingError(script);

            Assert.Contains(value, error.Exception.Message);
            Assert.Contains(accepted, error.Exception.Message);
            Assert.Equal(0, JobCount(session));
        }
    }
}
