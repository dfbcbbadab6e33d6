# Redispatch with replay and the watch of live traffic (observe layer 4), through the cmdlets:
# Start-TcpBalancer -ResponseTimeout / -RetryOn / -NoReplay, the Redispatched counters of the job and of
# Get-TcpBalancerBackend, and fault-injecting backends (Set-TcpBackend -Fault Close, Reset,
# Blackhole). Needs the built module (dotnet build) and Pester 5+: ./build.ps1 -Task Test runs it.

Describe 'ReplayAndObserveTests' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../module/TcpLbModule.psd1') -Force
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force

        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

        # Polls Get-TcpBalancerBackend while the backend stays Down and probes run; returns the
        # samples of its TotalConnections, so a test can assert that none grew while it was Down.
        function Get-ConnectionsWhileDown {
            param([string] $Balancer, [int] $Port, [System.Management.Automation.Job] $Until)
            $samples = [System.Collections.Generic.List[long]]::new()
            while ($Until.State -eq 'Running') {
                $status = Get-TcpBalancerBackend -Name $Balancer -Backend $Port
                if ($status.State.ToString() -ne 'Down') { break }
                $samples.Add($status.TotalConnections)
                $null = Wait-Job $Until -Timeout 0.05
            }
            , $samples.ToArray()
        }
    }

    AfterEach {
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
    }

    It 'With -RetryOn EmptyResponse a backend that closes right after accept fails no probe: its connections are redispatched and counted' {
        $b = Start-TcpBackend 0, 0
        $b[0] | Set-TcpBackend -Fault Close
        $lb = Start-TcpBalancer -Port 0 -Backend $b -Name lb -HealthCheckInterval 0 -RetryOn ConnectFailure, Reset, EmptyResponse
        $results = @(Invoke-TcpProbe -Port $lb.Port -Count 6)
        $closing = Get-TcpBalancerBackend -Name lb -Backend $b[0].Port
        $good = Get-TcpBalancerBackend -Name lb -Backend $b[1].Port

        $results | Should -HaveCount 6
        foreach ($r in $results) {
            $r.Status.ToString() | Should -BeExactly 'Success'
            [int] $r.Backend | Should -Be $b[1].Port
        }
        $lb.Redispatched | Should -BeGreaterOrEqual 3
        $closing.Redispatched | Should -Be $lb.Redispatched
        $good.Redispatched | Should -Be 0
        [long] $b[0].FaultedConnections | Should -Be $lb.Redispatched
        $lb.Failed | Should -Be 0
    }

    It 'A backend that resets right after accept fails no probe: each connection is retried or redispatched' {
        $b = Start-TcpBackend 0, 0
        $b[0] | Set-TcpBackend -Fault Reset
        $lb = Start-TcpBalancer -Port 0 -Backend $b -Name lb -HealthCheckInterval 0
        $results = @(Invoke-TcpProbe -Port $lb.Port -Count 6)

        foreach ($r in $results) {
            $r.Status.ToString() | Should -BeExactly 'Success'
            [int] $r.Backend | Should -Be $b[1].Port
        }
        # A reset this early may fail the connect itself (retried) or come after it (redispatched).
        ($lb.Redispatched + $lb.Retried) | Should -Be ([long] $b[0].FaultedConnections)
        ($lb.Redispatched + $lb.Retried) | Should -BeGreaterOrEqual 3
        $lb.Failed | Should -Be 0
    }

    It 'The bytes replayed reach the next backend byte-exact and in order' {
        $closing = Start-TcpBackend 0 -Mode Echo -Fault Close
        $echo = Start-TcpBackend 0 -Mode Echo
        $lb = Start-TcpBalancer -Port 0 -Backend $closing, $echo -HealthCheckInterval 0 -RetryOn ConnectFailure, EmptyResponse
        $message = -join (1..50000 | ForEach-Object { [char] (33 + ($_ * 7919) % 90) })
        $result = @(Invoke-TcpProbe -Port $lb.Port -Count 1 -Message $message -Timeout 20000)

        $result[0].Status.ToString() | Should -BeExactly 'Success'
        $result[0].BytesReceived | Should -Be 50000
        $result[0].Response | Should -BeExactly $message
        $lb.Redispatched | Should -Be 1
    }

    It 'With -NoReplay the client sees what the backend did: an empty reply, or a reset past -ResponseTimeout' {
        $b = Start-TcpBackend 0, 0
        $b[0] | Set-TcpBackend -Fault Close
        $lb = Start-TcpBalancer -Port 0 -Backend $b -Name lb -HealthCheckInterval 0 -NoReplay -ResponseTimeout 300
        $closed = @(Invoke-TcpProbe -Port $lb.Port -Count 2)
        $b[0] | Set-TcpBackend -Fault Blackhole
        $unanswered = @(Invoke-TcpProbe -Port $lb.Port -Count 1 -Timeout 20000)

        $closed[0].Status.ToString() | Should -BeExactly 'Success'
        $closed[0].Response | Should -BeExactly ''
        [int] $closed[1].Backend | Should -Be $b[1].Port
        $unanswered[0].Status.ToString() | Should -BeExactly 'Reset'
        $lb.Redispatched | Should -Be 0
        $lb.Failed | Should -Be 1 -Because 'a clean close is served as an empty reply; only the response timeout fails the client'
        (Get-TcpBalancerBackend -Name lb -Backend $b[0].Port).LastError | Should -BeLike '*no answer within the response timeout of 300 ms*'
    }

    It 'With -ResponseTimeout 3000 and -RetryOn ResponseTimeout a blackholed backend among three is Down within Fall x ResponseTimeout + one check interval, gets nothing while Down and fails no probe' {
        $b = Start-TcpBackend 0, 0, 0
        $lb = Start-TcpBalancer -Port 0 -Backend $b -Name lb -ResponseTimeout 3000 -RetryOn ConnectFailure, Reset, ResponseTimeout
        $hole = $b[1]
        $hole | Set-TcpBackend -Fault Blackhole
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $probe = Invoke-TcpProbe -Port $lb.Port -Count 1500 -Concurrency 8 -AsJob
        $down = Wait-TcpBalancerBackend -Name lb -Backend $hole.Port -State Down -Timeout 60000
        $elapsed = $clock.Elapsed
        $whileDown = Get-ConnectionsWhileDown -Balancer lb -Port $hole.Port -Until $probe
        $null = Wait-Job $probe -Timeout 120
        $results = @(Receive-Job $probe)
        $failed = @($results | Where-Object Status -ne 'Success').Count
        $bound = [TimeSpan]::FromMilliseconds(3 * 3000 + 2000)   # Fall x ResponseTimeout + one check interval
        Write-Host "Blackholed backend Down after $([int] $elapsed.TotalMilliseconds) ms (bound $($bound.TotalMilliseconds) ms); $($whileDown[0]) connections before; $failed of $($results.Count) probes failed; $($lb.Redispatched) redispatched"

        $down.State.ToString() | Should -BeExactly 'Down'
        # The bound, plus a generous margin for a busy machine.
        $elapsed | Should -BeLessThan ($bound + [TimeSpan]::FromSeconds(20))
        $results | Should -HaveCount 1500
        $whileDown.Count | Should -BeGreaterThan 0
        foreach ($sample in $whileDown) {
            $sample | Should -Be $whileDown[0] -Because 'no connection goes to a Down backend'
        }
        $failed | Should -BeLessOrEqual $whileDown[0]
        $failed | Should -Be 0 -Because 'with RetryOn ResponseTimeout, the unanswered connections were redispatched'
        $lb.Redispatched | Should -BeGreaterOrEqual 3
    }

    It 'With a check that expects an answer, a blackholed backend stays Down and its connection counter stops growing' {
        $b = Start-TcpBackend 0, 0, 0
        $lb = Start-TcpBalancer -Port 0 -Backend $b -Name lb -HealthCheckInterval 200 -ResponseTimeout 1500 -RetryOn ConnectFailure, Reset, ResponseTimeout `
            -HealthCheckSend 'ping' -HealthCheckExpect 'Response from server'
        $hole = $b[1]
        $hole | Set-TcpBackend -Fault Blackhole
        $first = Invoke-TcpProbe -Port $lb.Port -Count 300 -Concurrency 8 -AsJob
        $null = Wait-TcpBalancerBackend -Name lb -Backend $hole.Port -State Down -Timeout 60000
        $null = Wait-Job $first -Timeout 120
        $atDown = (Get-TcpBalancerBackend -Name lb -Backend $hole.Port).TotalConnections
        $second = @(Invoke-TcpProbe -Port $lb.Port -Count 300 -Concurrency 8)
        $after = Get-TcpBalancerBackend -Name lb -Backend $hole.Port

        @(Receive-Job $first | Where-Object Status -ne 'Success').Count | Should -Be 0
        @($second | Where-Object Status -ne 'Success').Count | Should -Be 0
        $after.State.ToString() | Should -BeExactly 'Down'
        $after.TotalConnections | Should -Be $atDown
    }

    It 'Start-TcpBalancer -ResponseTimeout rejects a negative value and starts nothing' {
        $b = Start-TcpBackend 0

        $err = { Start-TcpBalancer -Port 0 -Backend $b -ResponseTimeout -1 } | Should -Throw -ErrorId 'ParameterArgumentValidationError*' -PassThru

        $err.Exception.Message | Should -BeLike '*-1*'
        @(Get-Job | Where-Object PSJobTypeName -eq 'TcpBalancer') | Should -HaveCount 0
    }
}
