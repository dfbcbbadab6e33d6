# Invoke-TcpProbe against closed ports, silent servers, both loopback families, with
# -Concurrency and -AsJob.
# Needs the built module (dotnet build); ./build.ps1 -Task Test runs every file under Pester 5 or 6.

Describe 'ProbeTests' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../module/TcpLbModule.psd1') -Force

        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    }

    AfterEach {
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
    }

    It 'A closed port gives Refused results, not an exception' {
        $results = @(Invoke-TcpProbe -Port (Get-FreePort) -ComputerName 127.0.0.1 -Count 3)

        $results | Should -HaveCount 3
        foreach ($r in $results) {
            $r.Status.ToString() | Should -BeExactly 'Refused'
            $r.Error | Should -BeLikeExactly '*refused*'
        }
    }

    It 'Localhost reaches a listener on either loopback family' {
        $b = Start-TcpBackend 0 -ListenAddress ::1
        $results = @(Invoke-TcpProbe -Port $b.Port -Count 2)

        foreach ($r in $results) {
            $r.Status.ToString() | Should -BeExactly 'Success'
            $r.RemoteEndPoint | Should -Match '^\[::1\]:'
        }
    }

    It 'A server that never answers gives Timeout within the timeout' {
        $silent = New-TcpSocket
        try {
            $silent.Bind([System.Net.IPEndPoint]::new([System.Net.IPAddress]::Loopback, 0))
            $silent.Listen(8) # accepts into the backlog, never replies or closes
            $port = $silent.LocalEndPoint.Port

            $results = @(Invoke-TcpProbe -Port $port -ComputerName 127.0.0.1 -Count 2 -Timeout 300)

            $results | Should -HaveCount 2
            foreach ($r in $results) {
                $r.Status.ToString() | Should -BeExactly 'Timeout'
                $r.Error | Should -BeLikeExactly '*300 ms*'
                $r.Latency | Should -BeGreaterOrEqual ([TimeSpan]::FromMilliseconds(250))
                $r.Latency | Should -BeLessOrEqual ([TimeSpan]::FromSeconds(10))
            }
        }
        finally {
            $silent.Dispose()
        }
    }

    It 'Concurrency runs every sequence number once' {
        $lb = Start-TcpBackend 0, 0 | Start-TcpBalancer -Port 0
        $results = @(Invoke-TcpProbe -Port $lb.Port -Count 40 -Concurrency 8)

        @($results | ForEach-Object { [int] $_.Sequence } | Sort-Object) | Should -Be (1..40)
        foreach ($r in $results) {
            $r.Status.ToString() | Should -BeExactly 'Success'
        }
        @($results | ForEach-Object { [int] $_.Backend } | Sort-Object -Unique) | Should -HaveCount 2
    }

    It 'AsJob returns a TcpProbe job whose output is the results' {
        $lb = Start-TcpBackend 0, 0, 0 | Start-TcpBalancer -Port 0
        $job = Invoke-TcpProbe -Port $lb.Port -Count 5 -AsJob
        $job.PSJobTypeName | Should -BeExactly 'TcpProbe'
        $null = Wait-Job $job -Timeout 30
        $job.State.ToString() | Should -BeExactly 'Completed'
        $results = @(Receive-Job $job)

        @($results | ForEach-Object { [int] $_.Sequence }) | Should -Be (1..5)
        foreach ($r in $results) {
            $r.Status.ToString() | Should -BeExactly 'Success'
        }
    }

    It 'An unresolvable computer name is a terminating error naming it' {
        { Invoke-TcpProbe -ComputerName no-such-host.invalid -Count 1 } | Should -Throw -ExpectedMessage '*no-such-host.invalid*'
    }
}
