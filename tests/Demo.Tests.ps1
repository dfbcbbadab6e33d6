# The README's demo through the real cmdlets on ephemeral ports: the exact round-robin rotation.
# Needs the built module (dotnet build); ./build.ps1 -Task Test runs every file under Pester 5 or 6.

Describe 'DemoTests' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../module/TcpLbModule.psd1') -Force
    }

    AfterEach {
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
    }

    It 'Readme demo rotates through three backends in order' {
        $backends = 0, 0, 0 | Start-TcpBackend
        $lb = Start-TcpBalancer -Port 0 -Backend $backends
        $results = @(Invoke-TcpProbe -Port $lb.Port -Count 10)

        $ports = @($backends | ForEach-Object { [int] $_.Port })
        @($ports | Sort-Object -Unique) | Should -HaveCount 3
        foreach ($p in $ports) {
            $p | Should -BeGreaterOrEqual 1
            $p | Should -BeLessOrEqual 65535
        }
        $results | Should -HaveCount 10
        @($results | ForEach-Object { [int] $_.Sequence }) | Should -Be (1..10)
        foreach ($r in $results) {
            $r.Status.ToString() | Should -BeExactly 'Success'
        }
        $expected = @(0..9 | ForEach-Object { $ports[$_ % 3] })
        @($results | ForEach-Object { [int] $_.Backend }) | Should -Be $expected
        @($results | ForEach-Object { [string] $_.Response }) |
            Should -BeExactly @($expected | ForEach-Object { "Response from server running on port $_" })
        foreach ($r in $results) {
            $r.Error | Should -BeNullOrEmpty
            $r.Latency | Should -BeGreaterThan ([TimeSpan]::Zero)
            $r.Target | Should -BeLikeExactly "*:$($lb.Port)"
        }
    }

    It 'Backend jobs pipe into the balancer and the balancer into the probe' {
        $lb = Start-TcpBackend 0, 0, 0 | Start-TcpBalancer -Port 0
        $output = @($lb | Invoke-TcpProbe -Count 6)

        $backends = @($output | ForEach-Object { [int] $_.Backend })
        $backends | Should -HaveCount 6
        @($backends | Sort-Object -Unique) | Should -HaveCount 3
        $backends[3..5] | Should -Be $backends[0..2]
    }

    It 'Ports from the pipeline and host port forms are accepted' {
        $b = Start-TcpBackend -Port 0, 0
        $lb = Start-TcpBalancer -Port 0 -Backend $b[0].Port, ('127.0.0.1:' + $b[1].Port)
        $probed = @(Invoke-TcpProbe -Port $lb.Port -ComputerName 127.0.0.1 -Count 2 | ForEach-Object Backend)

        $probed | Should -HaveCount 2
        $probed[0] | Should -Be $b[0].Port
        $probed[1] | Should -Be $b[1].Port
        ($lb.Backends -join ',') | Should -BeExactly "127.0.0.1:$($b[0].Port),127.0.0.1:$($b[1].Port)"
    }

    It 'Echo backend returns the message' {
        $lb = Start-TcpBackend 0 -Mode Echo | Start-TcpBalancer -Port 0
        $output = @(Invoke-TcpProbe -Port $lb.Port -Count 2 -Message 'ping pong')

        foreach ($r in $output) {
            $r.Response | Should -BeExactly 'ping pong'
            $r.Backend | Should -BeNullOrEmpty
            $r.BytesSent | Should -Be 9
        }
    }
}
