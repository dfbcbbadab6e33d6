# IPv6 and dual stack through the cmdlets: listeners on ::1, on [::] in dual mode and on
# localhost; IPv6 and IPv4 backends behind either; a host-name backend tried address by address;
# the self-loop guard under every form of the balancer's own address.
# Needs the built module (dotnet build); ./build.ps1 -Task Test runs every file under Pester 5 or 6.

Describe 'IPv6Tests' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../module/TcpLbModule.psd1') -Force

        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

        # IPv6Tests: whether a fresh socket can bind [::1]:<Port> (false while something holds it).
        function Test-Ipv6PortFree([int] $Port) {
            $socket = [System.Net.Sockets.Socket]::new(
                [System.Net.Sockets.AddressFamily]::InterNetworkV6,
                [System.Net.Sockets.SocketType]::Stream,
                [System.Net.Sockets.ProtocolType]::Tcp)
            try {
                $socket.Bind([System.Net.IPEndPoint]::new([System.Net.IPAddress]::IPv6Loopback, $Port))
                $true
            }
            catch [System.Net.Sockets.SocketException] {
                $false
            }
            finally {
                $socket.Dispose()
            }
        }
    }

    AfterEach {
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
    }

    It 'A balancer on ::1 serves an IPv4 backend' {
        $backend = Start-TcpBackend -Port 0
        $lb = Start-TcpBalancer -Port 0 -ListenAddress ::1 -Backend $backend -HealthCheckInterval 0

        $lb.ListenAddress | Should -BeExactly '::1'
        $results = @(Invoke-TcpProbe -ComputerName ::1 -Port $lb.Port -Count 2)

        $results | Should -HaveCount 2
        foreach ($r in $results) {
            $r.Status.ToString() | Should -BeExactly 'Success'
            $r.RemoteEndPoint | Should -BeExactly "[::1]:$($lb.Port)"
            $r.Backend | Should -Be $backend.Port
        }
        # Nothing listens on the IPv4 loopback under that port.
        (Invoke-TcpProbe -ComputerName 127.0.0.1 -Port $lb.Port -Count 1).Status.ToString() | Should -BeExactly 'Refused'
    }

    It 'A balancer on 127.0.0.1 serves IPv6 backends given as [::1]:port and as jobs' {
        $six = Start-TcpBackend -Port 0 -ListenAddress ::1
        $sixByJob = Start-TcpBackend -Port 0 -ListenAddress '[::1]'
        $lb = Start-TcpBalancer -Port 0 -Backend "[::1]:$($six.Port)", $sixByJob -HealthCheckInterval 0

        $results = @(Invoke-TcpProbe -ComputerName 127.0.0.1 -Port $lb.Port -Count 4)

        ($results | ForEach-Object { $_.Status.ToString() }) | Should -Be @('Success', 'Success', 'Success', 'Success')
        ($results | ForEach-Object Backend) | Should -Be @($six.Port, $sixByJob.Port, $six.Port, $sixByJob.Port)
        (Get-TcpBalancerBackend $lb | ForEach-Object Backend) | Should -Be @("[::1]:$($six.Port)", "[::1]:$($sixByJob.Port)")
    }

    It "A dual-mode listener on '<Address>' is reached over 127.0.0.1 and over ::1" -ForEach @(
        @{ Address = '::' }
        @{ Address = '[::]' }
    ) {
        $backend = Start-TcpBackend -Port 0
        $lb = Start-TcpBalancer -Port 0 -ListenAddress $Address -Backend $backend -HealthCheckInterval 0

        $lb.ListenAddress | Should -BeExactly '::'
        $four = Invoke-TcpProbe -ComputerName 127.0.0.1 -Port $lb.Port -Count 1
        $six = Invoke-TcpProbe -ComputerName ::1 -Port $lb.Port -Count 1

        $four.Status.ToString() | Should -BeExactly 'Success'
        $four.RemoteEndPoint | Should -BeExactly "127.0.0.1:$($lb.Port)"
        $four.Backend | Should -Be $backend.Port
        $six.Status.ToString() | Should -BeExactly 'Success'
        $six.RemoteEndPoint | Should -BeExactly "[::1]:$($lb.Port)"
        $six.Backend | Should -Be $backend.Port
        Wait-Until { $lb.Served -eq 2 } | Should -BeTrue
    }

    It 'A test backend listens in dual mode too' {
        $backend = Start-TcpBackend -Port 0 -ListenAddress '::'

        (Invoke-TcpProbe -ComputerName 127.0.0.1 -Port $backend.Port -Count 1).Backend | Should -Be $backend.Port
        (Invoke-TcpProbe -ComputerName ::1 -Port $backend.Port -Count 1).Backend | Should -Be $backend.Port
    }

    It 'A listener on localhost binds one loopback and localhost clients reach it' {
        $backend = Start-TcpBackend -Port 0
        $lb = Start-TcpBalancer -Port 0 -ListenAddress localhost -Backend "localhost:$($backend.Port)" -HealthCheckInterval 0

        $expected = if ([System.Net.Sockets.Socket]::OSSupportsIPv4) { '127.0.0.1' } else { '::1' }
        $lb.ListenAddress | Should -BeExactly $expected
        $result = Invoke-TcpProbe -ComputerName localhost -Port $lb.Port -Count 1
        $result.Status.ToString() | Should -BeExactly 'Success'
        $result.Backend | Should -Be $backend.Port
    }

    It 'A host-name backend whose first address refuses is served by its second' {
        # localhost resolves to 127.0.0.1 first, then ::1; the backend listens on ::1 only.
        $backend = Start-TcpBackend -Port 0 -ListenAddress ::1
        # 127.0.0.1 on the same port is held, bound and not listening, so it refuses connections and
        # the balancer's own -Port 0 cannot land on it (which would make localhost:PORT the balancer).
        $holder = [System.Net.Sockets.Socket]::new([System.Net.Sockets.AddressFamily]::InterNetwork, [System.Net.Sockets.SocketType]::Stream, [System.Net.Sockets.ProtocolType]::Tcp)
        try {
            $holder.Bind([System.Net.IPEndPoint]::new([System.Net.IPAddress]::Loopback, $backend.Port))
            $lb = Start-TcpBalancer -Port 0 -Backend "localhost:$($backend.Port)" -HealthCheckInterval 0

            $results = @(Invoke-TcpProbe -Port $lb.Port -Count 3)
        }
        finally {
            $holder.Dispose()
        }

        ($results | ForEach-Object { $_.Status.ToString() }) | Should -Be @('Success', 'Success', 'Success')
        ($results | ForEach-Object Backend) | Should -Be @($backend.Port, $backend.Port, $backend.Port)
        $status = Get-TcpBalancerBackend $lb
        $status.State.ToString() | Should -BeExactly 'Up'
        $status.TotalConnections | Should -Be 3
        $lb.Failed | Should -Be 0
    }

    It "A balancer on '<Listen>' refuses itself as the backend '<Backend>' at start, and leaves the port free" -ForEach @(
        @{ Listen = '::1'; Backend = 'localhost:PORT' }
        @{ Listen = '::1'; Backend = '[::]:PORT' }
        @{ Listen = '::1'; Backend = '[::1]:PORT' }
        @{ Listen = '::'; Backend = '127.0.0.1:PORT' }
        @{ Listen = '::'; Backend = '[::1]:PORT' }
        @{ Listen = '[::]'; Backend = 'localhost:PORT' }
        @{ Listen = 'localhost'; Backend = '[::]:PORT' }
    ) {
        $port = Get-FreePort
        $value = $Backend.Replace('PORT', "$port")

        $err = { Start-TcpBalancer -Port $port -ListenAddress $Listen -Backend $value } | Should -Throw -ErrorId 'BackendIsBalancer*' -PassThru

        $err.Exception.Message | Should -BeLikeExactly "*is this balancer's own listener*:$port)*"
        @(Get-Job).Count | Should -Be 0
        Test-PortFree $port | Should -BeTrue
        Test-Ipv6PortFree $port | Should -BeTrue
    }

    It "A running balancer on '<Listen>' refuses itself added as '<Backend>'" -ForEach @(
        @{ Listen = '::1'; Backend = 'localhost:PORT' }
        @{ Listen = '::1'; Backend = '[::]:PORT' }
        @{ Listen = '::'; Backend = '127.0.0.1:PORT' }
        @{ Listen = '::'; Backend = 'localhost:PORT' }
        @{ Listen = '::'; Backend = '[::1]:PORT' }
    ) {
        $server = Start-TcpBackend -Port 0
        $lb = Start-TcpBalancer -Port 0 -ListenAddress $Listen -Backend $server -HealthCheckInterval 0
        $value = $Backend.Replace('PORT', "$($lb.Port)")

        $err = { Add-TcpBalancerBackend $lb -Backend $value } | Should -Throw -ErrorId 'BackendIsBalancer*' -PassThru

        $err.Exception.Message | Should -BeLikeExactly "*$([WildcardPattern]::Escape($value)) is this balancer's own listener*"
        @(Get-TcpBalancerBackend $lb).Count | Should -Be 1
        (Invoke-TcpProbe -ComputerName localhost -Port $lb.Port -Count 1).Backend | Should -Be $server.Port
    }
}
