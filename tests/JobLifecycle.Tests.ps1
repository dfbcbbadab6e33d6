# The module's jobs under the core job cmdlets (Get/Receive/Wait/Stop/Remove-Job, Remove-Module).
# Needs the built module (dotnet build); ./build.ps1 -Task Test runs every file under Pester 5 or 6.

Describe 'JobLifecycleTests' {
    BeforeAll {
        $manifestPath = Join-Path $PSScriptRoot '../module/TcpLbModule.psd1'
        Import-Module $manifestPath -Force
        # Every test starts from an empty job table.
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force

        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    }

    AfterEach {
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
    }

    It 'Jobs show in Get-Job with their type and bound port' {
        $b = Start-TcpBackend 0
        $lb = Start-TcpBalancer -Port 0 -Backend $b
        $output = @(Get-Job | Where-Object { $_.Id -in $b.Id, $lb.Id } | ForEach-Object { $_ })

        $output | Should -HaveCount 2
        $backends = @($output | Where-Object { $_.PSJobTypeName -eq 'TcpBackend' })
        $balancers = @($output | Where-Object { $_.PSJobTypeName -eq 'TcpBalancer' })
        $backends | Should -HaveCount 1
        $balancers | Should -HaveCount 1
        $backend = $backends[0]
        $balancer = $balancers[0]
        $backend.JobStateInfo.ToString() | Should -BeExactly 'Running'
        $balancer.JobStateInfo.ToString() | Should -BeExactly 'Running'
        Test-PortFree $backend.Port | Should -BeFalse
        Test-PortFree $balancer.Port | Should -BeFalse
        $balancer.Name | Should -BeExactly "TcpBalancer:$($balancer.Port)"
        $balancer.Location | Should -BeExactly "127.0.0.1:$($balancer.Port)"
        ($balancer.Backends -is [string[]]) | Should -BeTrue
        $balancer.Backends | Should -BeExactly @("127.0.0.1:$($backend.Port)")
    }

    It 'Stop-Job returns promptly, frees the port and Remove-Job removes it' {
        $lb = Start-TcpBackend 0 | Start-TcpBalancer -Port 0 -Name lb
        $lb | Should -HaveCount 1
        $port = [int] $lb.Port
        # An open proxied connection must not hold the stop up.
        $held = [System.Net.Sockets.TcpClient]::new('127.0.0.1', $port)
        try {
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            Get-Job -Name lb | Stop-Job
            $clock.Stop()

            # A safety net against a hang, not a timing: Stop-Job aborts open connections instead
            # of waiting for them, so it takes milliseconds on an idle machine.
            $clock.Elapsed | Should -BeLessThan ([TimeSpan]::FromSeconds(10)) -Because "Stop-Job took $($clock.Elapsed)"
            Test-PortFree $port | Should -BeTrue
            (Get-Job -Name lb).State.ToString() | Should -BeExactly 'Stopped'
            Receive-Job -Name lb | Should -HaveCount 0
            Get-Job -Name lb | Remove-Job
            Get-Job -Name lb -ErrorAction SilentlyContinue | Should -HaveCount 0
        }
        finally {
            $held.Dispose()
        }
    }

    It 'Wait-Job returns once a stopped job is finished' {
        $b = Start-TcpBackend 0
        $null = Stop-Job $b -PassThru | Wait-Job -Timeout 5

        $b.State.ToString() | Should -BeExactly 'Stopped'
    }

    It 'Remove-Job refuses a running job without -Force and stops it with -Force' {
        $b = Start-TcpBackend 0 -Name b
        $b | Should -HaveCount 1
        $port = [int] $b.Port

        # Non-terminating: collect the error records.
        Remove-Job -Name b -ErrorAction SilentlyContinue -ErrorVariable removeErrors
        $removeErrors | Should -Not -BeNullOrEmpty
        Test-PortFree $port | Should -BeFalse

        Remove-Job -Name b -Force
        Test-PortFree $port | Should -BeTrue
        Get-Job -Name b -ErrorAction SilentlyContinue | Should -HaveCount 0
    }

    It 'Remove-Module stops everything the module started' {
        $b = Start-TcpBackend 0, 0
        $lb = Start-TcpBalancer -Port 0 -Backend $b
        $ports = @($b.Port; $lb.Port)
        foreach ($p in $ports) {
            $p | Should -BeOfType [int]
            Test-PortFree $p | Should -BeFalse
        }

        try {
            Remove-Module TcpLbModule

            foreach ($p in $ports) {
                Test-PortFree $p | Should -BeTrue -Because "port $p still bound"
            }
            foreach ($job in @(Get-Job)) {
                $job.State.ToString() | Should -BeExactly 'Stopped'
            }
        }
        finally {
            # The later tests need the cmdlets back.
            Import-Module $manifestPath -Force
        }
    }

    It 'A backend job exposes its mode and counts connections' {
        $b = Start-TcpBackend 0 -Mode Echo
        $null = Invoke-TcpProbe -Port $b.Port -Count 3

        $b | Should -HaveCount 1
        $b.Mode.ToString() | Should -BeExactly 'Echo'
        [long] $b.ConnectionsAccepted | Should -Be 3L
    }
}
