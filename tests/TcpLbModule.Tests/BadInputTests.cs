using System;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Net.Sockets;
using static TcpLbModule.Tests.ModuleSession;

namespace TcpLbModule.Tests
{
    /// <summary>Bad input: a terminating error that names the value, and nothing left running.</summary>
    public class BadInputTests
    {
        private static Socket HoldPort(out int port)
        {
            var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            holder.Listen(1);
            port = ((IPEndPoint)holder.LocalEndPoint!).Port;
            return holder;
        }

        private static int JobCount(ModuleSession session) => session.Run("@(Get-Job).Count").Single().BaseObject is int n ? n : -1;

        [Fact]
        public void Backend_port_in_use_is_a_terminating_error_and_leaves_no_job()
        {
            using var session = new ModuleSession();
            using Socket holder = HoldPort(out int port);

            ErrorRecord error = session.RunExpectingError("Start-TcpBackend -Port $args[0]", port);

            Assert.StartsWith("PortInUse", error.FullyQualifiedErrorId);
            Assert.Contains($"Port {port}", error.Exception.Message);
            Assert.Contains("already in use", error.Exception.Message);
            Assert.Equal(0, JobCount(session));
        }

        [Fact]
        public void A_later_port_in_use_stops_the_backends_the_same_call_started()
        {
            using var session = new ModuleSession();
            using Socket holder = HoldPort(out int port);
            int free = TestPorts.Free();

            ErrorRecord error = session.RunExpectingError("Start-TcpBackend -Port $args[0], $args[1]", free, port);

            Assert.Contains($"Port {port}", error.Exception.Message);
            Assert.Equal(0, JobCount(session));
            Assert.True(PortIsFree(free));
        }

        [Fact]
        public void Balancer_port_in_use_is_a_terminating_error_and_leaves_no_job()
        {
            using var session = new ModuleSession();
            using Socket holder = HoldPort(out int port);

            ErrorRecord error = session.RunExpectingError("Start-TcpBalancer -Port $args[0] -Backend 8088", port);

            Assert.StartsWith("PortInUse", error.FullyQualifiedErrorId);
            Assert.Contains($"Port {port}", error.Exception.Message);
            Assert.Equal(0, JobCount(session));
        }

        [Theory]
        [InlineData("Start-TcpBalancer -Port 70000 -Backend 8088", "70000", "65535")]
        [InlineData("Start-TcpBalancer -Port -1 -Backend 8088", "-1", "minimum allowed range of 0")]
        [InlineData("Start-TcpBackend -Port 65536", "65536", "65535")]
        [InlineData("Invoke-TcpProbe -Port 0", "0", "minimum allowed range of 1")]
        public void Port_out_of_range_names_the_value_and_the_range(string script, string value, string accepted)
        {
            using var session = new ModuleSession();

            ErrorRecord error = session.RunExpectingError(script);

            Assert.Contains($"The {value} argument", error.Exception.Message);
            Assert.Contains(accepted, error.Exception.Message);
            Assert.Equal(0, JobCount(session));
        }

        [Theory]
        [InlineData("foo:bar")]
        [InlineData("localhost:")]
        [InlineData("::1:80")]
        [InlineData("99999")]
        public void Unparsable_backend_names_the_value_and_the_accepted_forms(string backend)
        {
            using var session = new ModuleSession();

            ErrorRecord error = session.RunExpectingError("Start-TcpBalancer -Port 0 -Backend $args[0]", backend);

            Assert.StartsWith("InvalidBackend", error.FullyQualifiedErrorId);
            Assert.Contains($"'{backend}'", error.Exception.Message);
            Assert.Contains("Accepted:", error.Exception.Message);
            Assert.Equal(0, JobCount(session));
        }

        [Fact]
        public void A_backend_host_that_does_not_resolve_is_named()
        {
            using var session = new ModuleSession();

            ErrorRecord error = session.RunExpectingError("Start-TcpBalancer -Port 0 -Backend 'no-such-host.invalid:80'");

            Assert.Contains("no-such-host.invalid", error.Exception.Message);
            Assert.Equal(0, JobCount(session));
        }

        [Theory]
        [InlineData("Start-TcpBalancer -Port 0 -Backend @()")]
        [InlineData("@() | Start-TcpBalancer -Port 0")]
        public void No_backends_is_a_terminating_error(string script)
        {
            using var session = new ModuleSession();

            ErrorRecord error = session.RunExpectingError(script);

            Assert.StartsWith("NoBackends", error.FullyQualifiedErrorId);
            Assert.Contains("no backends", error.Exception.Message);
            Assert.Equal(0, JobCount(session));
        }

        [Fact]
        public void A_stopped_backend_job_is_not_accepted_as_a_backend()
        {
            using var session = new ModuleSession();

            ErrorRecord error = session.RunExpectingError("$b = Start-TcpBackend 0; Stop-Job $b; Start-TcpBalancer -Port 0 -Backend $b");

            Assert.Contains("Stopped", error.Exception.Message);
            Assert.Equal(1, JobCount(session));
        }

        [Fact]
        public void Bad_listen_address_is_named()
        {
            using var session = new ModuleSession();

            ErrorRecord error = session.RunExpectingError("Start-TcpBackend 0 -ListenAddress 'not an address!'");

            Assert.Contains("not an address!", error.Exception.Message);
            Assert.Equal(0, JobCount(session));
        }
    }

    internal static class TestPorts
    {
        public static int Free()
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            return ((IPEndPoint)socket.LocalEndPoint!).Port;
        }
    }
}
