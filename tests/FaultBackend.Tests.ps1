# Fault-injecting test backends through the cmdlets: Start-TcpBackend -Fault/-Latency/-Jitter/
# -BandwidthKBps and Set-TcpBackend.
# Needs the built module (dotnet build); ./build.ps1 -Task Test runs every file under Pester 5 or 6.

Describe 'FaultBackendTests' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../module/TcpLbModule.psd1') -Force
        # Every test starts from an empty job table.
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force

        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    }

    AfterEach {
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
    }

    It 'Fault Refuse refuses on a bound port and Set-TcpBackend heals it on the same port' {
        $b = Start-TcpBackend 0 -Fault Refuse -Name fb
        $refused = @(Invoke-TcpProbe -Port $b.Port -Count 2)
        $faultBefore = $b.Fault.ToString()
        Set-TcpBackend -Name fb -Fault None
        $healed = @(Invoke-TcpProbe -Port $b.Port -Count 2)

        $refused | Should -HaveCount 2
        foreach ($r in $refused) {
            $r.Status.ToString() | Should -BeExactly 'Refused'
        }
        $healed | Should -HaveCount 2
        foreach ($r in $healed) {
            $r.Status.ToString() | Should -BeExactly 'Success'
            [int] $r.Backend | Should -Be $b.Port
        }
        $faultBefore | Should -BeExactly 'Refuse'
        $b.Fault.ToString() | Should -BeExactly 'None'
    }

    It 'A refusing backend keeps its port until Stop-Job' {
        $b = Start-TcpBackend 0 -Fault Refuse
        $port = $b.Port

        Test-PortFree $port | Should -BeFalse
        Get-Job | Stop-Job
        Test-PortFree $port | Should -BeTrue
    }

    It 'Start-TcpBackend -Fault <Fault> shows in the probe as <Status>' -ForEach @(
        @{ Fault = 'Close'; Status = 'Success' }
        @{ Fault = 'Reset'; Status = 'Reset' }
        @{ Fault = 'Blackhole'; Status = 'Timeout' }
    ) {
        $b = Start-TcpBackend 0 -Fault $Fault
        $results = @(Invoke-TcpProbe -Port $b.Port -Count 2 -Timeout 500)

        $results | Should -HaveCount 2
        foreach ($r in $results) {
            $r.Status.ToString() | Should -BeExactly $Status
            $r.Backend | Should -BeNullOrEmpty
        }
        [long] (Get-Job).FaultedConnections | Should -Be 2
    }

    It 'A backend broken mid-run behind a balancer goes Down, fails no probe and rejoins when healed' {
        $b = Start-TcpBackend 0, 0
        $lb = Start-TcpBalancer -Port 0 -Backend $b -Name lb -HealthCheckInterval 100 -HealthCheckTimeout 500 -Rise 2 -Fall 2
        $probe = Invoke-TcpProbe -Port $lb.Port -Count 200 -Concurrency 4 -AsJob
        $b[1] | Set-TcpBackend -Fault Refuse
        $down = Wait-TcpBalancerBackend -Name lb -Backend $b[1] -State Down -Timeout 20000
        $null = Wait-Job $probe -Timeout 60
        $failed = @(Receive-Job $probe | Where-Object Status -ne 'Success').Count
        Set-TcpBackend -Id $b[1].Id -Fault None
        $up = Wait-TcpBalancerBackend -Name lb -Backend $b[1] -State Up -Timeout 20000
        $after = @(Invoke-TcpProbe -Port $lb.Port -Count 4)

        $failed | Should -Be 0
        $down.State.ToString() | Should -BeExactly 'Down'
        $up.State.ToString() | Should -BeExactly 'Up'
        foreach ($r in $after) {
            $r.Status.ToString() | Should -BeExactly 'Success'
        }
        $served = @($after | ForEach-Object { [int] $_.Backend } | Sort-Object -Unique)
        $served | Should -Be @($b.Port | Sort-Object)
    }

    It 'Latency and jitter delay each reply and Set-TcpBackend changes only what it is given' {
        # A latency far above what a busy machine adds to a loopback exchange, so that 'no latency
        # any more' can be asserted as 'less than the smallest latency that was injected'.
        $b = Start-TcpBackend 0 -Latency 1000 -Jitter 50 -BandwidthKBps 64
        $slow = @(Invoke-TcpProbe -Port $b.Port -Count 2 -Timeout 10000)
        $set = $b | Set-TcpBackend -Latency 0 -PassThru
        $fast = @(Invoke-TcpProbe -Port $b.Port -Count 3 -Timeout 10000)

        $slow | Should -HaveCount 2
        foreach ($r in $slow) {
            $r.Status.ToString() | Should -BeExactly 'Success'
            $r.Latency | Should -BeGreaterOrEqual ([TimeSpan]::FromMilliseconds(940))
        }
        $fast | Should -HaveCount 3
        foreach ($r in $fast) {
            $r.Status.ToString() | Should -BeExactly 'Success'
            $r.Latency | Should -BeLessThan ([TimeSpan]::FromMilliseconds(940)) -Because 'there is no latency any more'
        }
        $b.Latency | Should -Be 0
        $b.Jitter | Should -Be 50
        $b.BandwidthKBps | Should -Be 64
        $set.GetType().FullName | Should -BeExactly 'TcpLbModule.Jobs.TcpBackendJob'
    }

    It 'BandwidthKBps paces a 256 KiB echo at 512 KiB per second' {
        $b = Start-TcpBackend 0 -Mode Echo -BandwidthKBps 512
        $result = @(Invoke-TcpProbe -Port $b.Port -Count 1 -Message ('x' * 256KB) -Timeout 20000)

        $result | Should -HaveCount 1
        $result[0].Status.ToString() | Should -BeExactly 'Success'
        [long] $result[0].BytesReceived | Should -Be (256KB)
        $result[0].Latency | Should -BeGreaterOrEqual ([TimeSpan]::FromSeconds(0.4)) -Because '256 KiB at 512 KiB/s takes about half a second'
    }

    It 'Set-TcpBackend -WhatIf changes nothing' {
        $b = Start-TcpBackend 0 -Name fb
        Set-TcpBackend -Name fb -Fault Reset -WhatIf

        $b.Fault.ToString() | Should -BeExactly 'None'
    }

    It 'Set-TcpBackend bad input is a terminating error that names it: <Command>' -ForEach @(
        @{ Command = 'Set-TcpBackend -Name nosuch -Fault None -ErrorAction Stop'; ErrorId = 'JobNotFound'; Message = "'nosuch'" }
        @{ Command = 'Set-TcpBackend -Id 99999 -Fault None -ErrorAction Stop'; ErrorId = 'JobNotFound'; Message = 'Id 99999' }
        @{ Command = 'Set-TcpBackend -Name fb'; ErrorId = 'NothingToChange'; Message = '-Fault, -Latency, -Jitter and -BandwidthKBps' }
        @{ Command = 'Set-TcpBackend -Name fb -Latency -1'; ErrorId = 'ParameterArgumentValidationError'; Message = 'minimum allowed range of 0' }
        @{ Command = 'Set-TcpBackend -Name fb -Jitter 3600001'; ErrorId = 'ParameterArgumentValidationError'; Message = '3600000' }
        @{ Command = 'Set-TcpBackend -Name fb -BandwidthKBps 2000000'; ErrorId = 'ParameterArgumentValidationError'; Message = '1048576' }
        @{ Command = 'Set-TcpBackend -Name fb -Fault Broken'; ErrorId = 'CannotConvertArgument'; Message = 'Refuse' }
        @{ Command = 'Stop-Job -Name fb; Set-TcpBackend -Name fb -Fault None'; ErrorId = 'JobNotRunning'; Message = 'is Stopped' }
    ) {
        $null = Start-TcpBackend 0 -Name fb

        $err = [scriptblock]::Create($Command) | Should -Throw -ErrorId "$ErrorId*" -PassThru

        $err.Exception.Message | Should -BeLikeExactly "*$Message*"
        (Get-Job -Name fb).Fault.ToString() | Should -BeExactly 'None'
    }

    It 'Start-TcpBackend bad fault input names the value and starts nothing: <Command>' -ForEach @(
        @{ Command = 'Start-TcpBackend 0 -Latency -5'; Value = '-5'; Accepted = 'minimum allowed range of 0' }
        @{ Command = 'Start-TcpBackend 0 -Jitter 4000000'; Value = '4000000'; Accepted = '3600000' }
        @{ Command = 'Start-TcpBackend 0 -BandwidthKBps -1'; Value = '-1'; Accepted = 'minimum allowed range of 0' }
        @{ Command = 'Start-TcpBackend 0 -Fault Sometimes'; Value = 'Sometimes'; Accepted = 'Blackhole' }
    ) {
        $err = [scriptblock]::Create($Command) | Should -Throw -PassThru

        $err.Exception.Message | Should -BeLikeExactly "*$Value*"
        $err.Exception.Message | Should -BeLikeExactly "*$Accepted*"
        @(Get-Job).Count | Should -Be 0
    }
}
