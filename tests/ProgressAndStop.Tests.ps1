# Invoke-TcpProbe's progress bar, and Ctrl+C (PowerShell.Stop) on the cmdlets that run long:
# Invoke-TcpProbe, Stop-TcpBalancer -Drain and Wait-TcpBalancerBackend. Each runs in its own
# [powershell] on a second runspace of this process, so this test can read its progress stream
# and stop it. The jobs are in-process, so that runspace reaches the backends started here (its
# job list is its own, though: the jobs are handed to it as objects, not by id).
# Needs the built module (dotnet build) and Pester 5: ./build.ps1 -Task Test runs it.

Describe 'Progress and interruption' {
    BeforeAll {
        $script:Manifest = (Resolve-Path (Join-Path $PSScriptRoot '../module/TcpLbModule.psd1')).Path
        Import-Module $script:Manifest -Force

        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

        function New-ModuleShell {
            # A [powershell] on a fresh runspace with the module imported.
            $ps = [powershell]::Create()
            $null = $ps.AddCommand('Import-Module').AddParameter('Name', $script:Manifest).Invoke()
            $ps.Commands.Clear()
            $ps
        }

        function Wait-Until {
            # Polls a condition (an observed state, not a sleep-and-hope) with a generous deadline.
            param([scriptblock] $Condition, [int] $TimeoutSeconds = 20, [string] $Because)
            $deadline = [datetime]::UtcNow.AddSeconds($TimeoutSeconds)
            while (-not (& $Condition)) {
                if ([datetime]::UtcNow -gt $deadline) { throw "Timed out after $TimeoutSeconds s waiting until $Because." }
                Start-Sleep -Milliseconds 20
            }
        }
    }

    AfterEach {
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
    }

    It 'Invoke-TcpProbe shows done/total, rate and failures on a run longer than a second, and completes the bar' {
        # 25 probes of a backend that answers after 60 ms take 1.5 s at least.
        $b = Start-TcpBackend -Port 0 -Latency 60
        $ps = New-ModuleShell
        try {
            $results = $ps.AddCommand('Invoke-TcpProbe').AddParameter('Port', $b.Port).AddParameter('Count', 25).Invoke()

            @($results) | Should -HaveCount 25
            $progress = @($ps.Streams.Progress)
            $progress.Count | Should -BeGreaterThan 1
            $progress[0].Activity | Should -BeExactly "Probing localhost:$($b.Port)"
            $progress[0].StatusDescription | Should -Match '^\d+ of 25 done, [\d.]+ per second, 0 failed$'
            $progress[-1].RecordType.ToString() | Should -BeExactly 'Completed'
            $progress[-1].StatusDescription | Should -BeExactly '25 of 25 done, 0 failed'
            @($progress | Where-Object RecordType -eq 'Completed') | Should -HaveCount 1
            $progress.PercentComplete | ForEach-Object { $_ | Should -BeLessOrEqual 100 }
        }
        finally {
            $ps.Dispose()
        }
    }

    It 'Invoke-TcpProbe shows no progress bar on a short run' {
        $b = Start-TcpBackend -Port 0
        $ps = New-ModuleShell
        try {
            $results = $ps.AddCommand('Invoke-TcpProbe').AddParameter('Port', $b.Port).AddParameter('Count', 2).Invoke()

            @($results) | Should -HaveCount 2
            @($ps.Streams.Progress) | Should -HaveCount 0
        }
        finally {
            $ps.Dispose()
        }
    }

    It 'Invoke-TcpProbe stops promptly on Ctrl+C and keeps the results written so far' {
        $b = Start-TcpBackend -Port 0 -Latency 100
        $ps = New-ModuleShell
        $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
        try {
            $null = $ps.AddCommand('Invoke-TcpProbe').AddParameter('Port', $b.Port).AddParameter('Count', 1000)
            $noInput = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $noInput.Complete()
            $async = $ps.BeginInvoke($noInput, $output)
            Wait-Until { $output.Count -ge 3 } -Because 'three probes have answered'

            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $clock.Stop()

            $async.IsCompleted | Should -BeTrue
            $ps.InvocationStateInfo.State.ToString() | Should -BeExactly 'Stopped'
            # A safety net, far above the 100 ms a probe in flight takes: 1000 probes would take 100 s.
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
            $output.Count | Should -BeGreaterOrEqual 3
            $output.Count | Should -BeLessThan 1000
            foreach ($r in $output) { $r.Status.ToString() | Should -BeExactly 'Success' }
        }
        finally {
            $ps.Dispose()
        }
    }

    It 'Stop-TcpBalancer -Drain: Ctrl+C ends the drain, closes the open connection and frees the port' {
        $b = Start-TcpBackend -Port 0
        $lb = Start-TcpBalancer -Port 0 -Backend $b -HealthCheckInterval 0
        $client = New-TcpSocket
        $ps = New-ModuleShell
        try {
            # A client that connects and never sends keeps one connection open through the balancer.
            $client.Connect([System.Net.IPAddress]::Loopback, $lb.Port)
            Wait-Until { $lb.Active -eq 1 } -Because 'the balancer counts the open connection'

            $null = $ps.AddCommand('Stop-TcpBalancer').AddParameter('Job', $lb).AddParameter('Drain').AddParameter('Timeout', 60000)
            $async = $ps.BeginInvoke()
            Wait-Until { $lb.JobStateInfo.State -eq 'Stopping' } -Because 'the drain has begun'

            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $clock.Stop()

            $async.IsCompleted | Should -BeTrue
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 5   # the drain allowed 60 s
            $lb.JobStateInfo.State.ToString() | Should -BeExactly 'Stopped'
            Test-PortFree $lb.Port | Should -BeTrue
            # The open connection was closed: the client reads its end (0 bytes) or a reset.
            $client.ReceiveTimeout = 5000
            $buffer = [byte[]]::new(16)
            $read = try { $client.Receive($buffer) } catch [System.Net.Sockets.SocketException] { if ($_.Exception.SocketErrorCode -eq 'TimedOut') { throw } 0 }
            $read | Should -Be 0
        }
        finally {
            $client.Dispose()
            $ps.Dispose()
        }
    }

    It 'Wait-TcpBalancerBackend stops waiting on Ctrl+C' {
        $b = Start-TcpBackend -Port 0
        # Without health checks the backend never goes Down: only the stop can end this wait.
        $lb = Start-TcpBalancer -Port 0 -Backend $b -HealthCheckInterval 0
        $ps = New-ModuleShell
        try {
            $null = $ps.AddCommand('Wait-TcpBalancerBackend').AddParameter('Job', $lb).AddParameter('Backend', $b.Port).
                AddParameter('State', 'Down').AddParameter('Timeout', 60000)
            $async = $ps.BeginInvoke()
            Wait-Until { $ps.InvocationStateInfo.State -eq 'Running' } -Because 'the wait runs'

            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $clock.Stop()

            $async.IsCompleted | Should -BeTrue
            $ps.InvocationStateInfo.State.ToString() | Should -BeExactly 'Stopped'
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
            $lb.JobStateInfo.State.ToString() | Should -BeExactly 'Running'
        }
        finally {
            $ps.Dispose()
        }
    }
}
