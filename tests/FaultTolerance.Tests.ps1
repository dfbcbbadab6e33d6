# Failover, health checks, drain, live pool changes and limits, through the cmdlets.
# Needs the built module (dotnet build); ./build.ps1 -Task Test runs every file under Pester 5 or 6.

Describe 'FaultToleranceTests' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../module/TcpLbModule.psd1') -Force

        # FaultToleranceTests.FastChecks, as a splat.
        $fastChecks = @{ HealthCheckInterval = 100; HealthCheckTimeout = 500; Rise = 2; Fall = 2 }

        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

        # FaultToleranceTests.Connect: a client socket to 127.0.0.1:<Port>, 30 s receive timeout.
        function Connect-TcpSocket {
            param([int] $Port)
            $socket = New-TcpSocket
            $socket.ReceiveTimeout = 30000
            $socket.Connect([System.Net.IPEndPoint]::new([System.Net.IPAddress]::Loopback, $Port))
            $socket
        }

        # FaultToleranceTests.Exchange: send <Text>, read as many bytes back, expect the same text.
        function Invoke-SocketExchange {
            param([System.Net.Sockets.Socket] $Socket, [string] $Text)
            $bytes = [System.Text.Encoding]::ASCII.GetBytes($Text)
            $null = $Socket.Send($bytes)
            $back = [byte[]]::new($bytes.Length)
            $got = 0
            while ($got -lt $back.Length) {
                $read = $Socket.Receive($back, $got, $back.Length - $got, [System.Net.Sockets.SocketFlags]::None)
                $read | Should -BeGreaterThan 0 -Because 'the connection closed during an exchange'
                $got += $read
            }
            [System.Text.Encoding]::ASCII.GetString($back) | Should -BeExactly $Text
        }
    }

    AfterEach {
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
    }

    It 'Stopping a backend mid-run fails no probe and it rejoins when back' {
        $b = Start-TcpBackend 0, 0, 0
        $lb = Start-TcpBalancer -Port 0 -Backend $b -Name lb @fastChecks
        $probe = Invoke-TcpProbe -Port $lb.Port -Count 300 -Concurrency 4 -AsJob
        $port2 = $b[1].Port
        Stop-Job $b[1]
        $down = Wait-TcpBalancerBackend -Name lb -Backend $port2 -State Down -Timeout 20000
        $null = Wait-Job $probe -Timeout 60
        $failed = @(Receive-Job $probe | Where-Object Status -ne 'Success').Count
        $null = Start-TcpBackend $port2
        $up = Wait-TcpBalancerBackend -Name lb -Backend $port2 -State Up -Timeout 20000
        $after = @(Invoke-TcpProbe -Port $lb.Port -Count 6)
        $events = @(Receive-Job $lb)

        $failed | Should -Be 0
        $down.State.ToString() | Should -BeExactly 'Down'
        $up.State.ToString() | Should -BeExactly 'Up'
        foreach ($r in $after) {
            $r.Status.ToString() | Should -BeExactly 'Success'
        }
        @($after | ForEach-Object { [int] $_.Backend } | Sort-Object -Unique) | Should -Be @($b | ForEach-Object { [int] $_.Port } | Sort-Object)
        @($events | ForEach-Object { $_.State.ToString() }) | Should -BeExactly @('Down', 'Up')
    }

    It 'A refused connect is traced in the job''s Verbose stream with the backend''s address, and a storm of them is rate-bounded' {
        $port = Get-FreePort
        $lb = Start-TcpBalancer -Port 0 -Backend $port -Name lb -HealthCheckInterval 0 -Retries 0
        $first = @(Invoke-TcpProbe -Port $lb.Port -Count 1)
        $first[0].Status.ToString() | Should -BeExactly 'Reset'
        Wait-Until { @($lb.Verbose | Where-Object { $_.Message -like "Connection from 127.0.0.1:* connect to backend 127.0.0.1:$port failed: ConnectionRefused." }).Count -ge 1 } | Should -BeTrue -Because "the refused connect to 127.0.0.1:$port is traced (Verbose: $(@($lb.Verbose | ForEach-Object Message) -join ' | '))"

        # Each refused client gives two lines (the connect, then 'not served'); the job lets at most
        # 20 a second through, so the stream grows with time, not with the number of failures.
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $storm = @(Invoke-TcpProbe -Port $lb.Port -Count 200 -Concurrency 8)
        $seconds = $clock.Elapsed.TotalSeconds
        @($storm | Where-Object { $_.Status.ToString() -ne 'Reset' }) | Should -HaveCount 0
        Wait-Until { $lb.Failed -eq 201 } | Should -BeTrue
        $traced = @($lb.Verbose | Where-Object { $_.Message -like 'Connection from *' }).Count
        $traced | Should -BeLessOrEqual ([math]::Ceiling($seconds + 2) * 20) -Because "$traced trace lines in $seconds s"
    }

    It 'With -Debug the refused connect is also on the job''s Debug stream, timed' {
        $port = Get-FreePort
        # $DebugPreference rather than -Debug, which makes a compiled cmdlet ask before each record.
        $saved = $global:DebugPreference
        try {
            $global:DebugPreference = 'Continue'
            $lb = Start-TcpBalancer -Port 0 -Backend $port -Name lb -HealthCheckInterval 0 -Retries 0 5>$null
        }
        finally {
            $global:DebugPreference = $saved
        }
        $null = Invoke-TcpProbe -Port $lb.Port -Count 1
        Wait-Until { @($lb.Debug | Where-Object { $_.Message -match "^\d\d:\d\d:\d\d\.\d{3} trace: Connection from 127\.0\.0\.1:\d+ connect to backend 127\.0\.0\.1:$port failed: ConnectionRefused\.$" }).Count -ge 1 } | Should -BeTrue -Because "Debug: $(@($lb.Debug | ForEach-Object Message) -join ' | ')"
    }

    It 'With every backend down probes fail fast and the balancer serves again when one returns' {
        $port = Get-FreePort
        $lb = Start-TcpBalancer -Port 0 -Backend $port -Name lb -HealthCheckInterval 100 -HealthCheckTimeout 500 -Rise 1 -Fall 2
        $failed = @(Invoke-TcpProbe -Port $lb.Port -Count 4)
        $state = $lb.State.ToString()
        $null = Start-TcpBackend $port
        $null = Wait-TcpBalancerBackend -Name lb -Backend $port -State Up
        $served = @(Invoke-TcpProbe -Port $lb.Port -Count 2)
        $failedCount = $lb.Failed

        foreach ($r in $failed) {
            $r.Status.ToString() | Should -BeExactly 'Reset'
            $r.Latency | Should -BeLessThan ([TimeSpan]::FromSeconds(3))
        }
        $state | Should -BeExactly 'Running'
        [long] $failedCount | Should -BeGreaterOrEqual 4
        foreach ($r in $served) {
            [int] $r.Backend | Should -Be $port
        }
    }

    It 'Drain keeps a long connection, sends new ones elsewhere and Stop-TcpBalancer -Drain waits for it' {
        $echo = Start-TcpBackend 0 -Mode Echo
        $other = Start-TcpBackend 0
        $lb = @(Start-TcpBalancer -Port 0 -Backend $echo, $other -Name lb)
        $lb | Should -HaveCount 1
        $port = [int] $lb[0].Port
        $longLived = Connect-TcpSocket $port
        $stopping = [System.Threading.ManualResetEventSlim]::new($false)
        $client = $null
        try {
            Invoke-SocketExchange $longLived 'before'

            Disable-TcpBalancerBackend -Name lb -Backend $echo.Port -Drain
            $fresh = @(Invoke-TcpProbe -Port $port -Count 4)
            Invoke-SocketExchange $longLived 'during drain'
            foreach ($r in $fresh) {
                [int] $r.Backend | Should -Be $other.Port
            }
            (Get-TcpBalancerBackend -Name lb -Backend $echo.Port).State.ToString() | Should -BeExactly 'Draining'

            # Stop-TcpBalancer -Drain blocks this runspace, so the long connection's client runs in
            # a helper runspace, released as the stop begins.
            $state = [hashtable]::Synchronized(@{ StopReturned = $false })
            $client = [PowerShell]::Create([System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault2())
            $null = $client.AddScript({
                    param($Socket, $Stopping, $State)
                    if (-not $Stopping.Wait(30000)) { throw 'Stop-TcpBalancer did not start' }
                    $bytes = [System.Text.Encoding]::ASCII.GetBytes('while stopping')
                    $null = $Socket.Send($bytes)
                    $back = [byte[]]::new($bytes.Length)
                    $got = 0
                    while ($got -lt $back.Length) {
                        $read = $Socket.Receive($back, $got, $back.Length - $got, [System.Net.Sockets.SocketFlags]::None)
                        if ($read -le 0) { throw 'the connection closed during an exchange' }
                        $got += $read
                    }
                    $completedBeforeClose = $State.StopReturned
                    $Socket.Shutdown([System.Net.Sockets.SocketShutdown]::Send)
                    $lastRead = $Socket.Receive([byte[]]::new(16))
                    [pscustomobject]@{
                        Echoed               = [System.Text.Encoding]::ASCII.GetString($back)
                        CompletedBeforeClose = $completedBeforeClose
                        LastRead             = $lastRead
                    }
                }).AddArgument($longLived).AddArgument($stopping).AddArgument($state)
            $async = $client.BeginInvoke()

            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $stopping.Set()
            Stop-TcpBalancer -Name lb -Drain -Timeout 30000
            $clock.Stop()
            $state.StopReturned = $true
            $seen = @($client.EndInvoke($async))

            $seen | Should -HaveCount 1
            $seen[0].Echoed | Should -BeExactly 'while stopping'
            $seen[0].CompletedBeforeClose | Should -BeFalse
            $seen[0].LastRead | Should -Be 0
            $clock.Elapsed | Should -BeLessThan ([TimeSpan]::FromSeconds(20)) -Because 'Stop-TcpBalancer -Drain should return after the last connection closed'

            Test-PortFree $port | Should -BeTrue
        }
        finally {
            # Closing the socket first unblocks a helper stuck in Receive; then release and dispose it.
            $longLived.Dispose()
            $stopping.Set()
            if ($client) { $client.Dispose() }
            $stopping.Dispose()
        }
    }

    It 'Adding and removing backends while probes run fails no probe' {
        $b = Start-TcpBackend 0, 0, 0
        $lb = Start-TcpBalancer -Port 0 -Backend $b[0], $b[1] -Name lb
        $probe = Invoke-TcpProbe -Port $lb.Port -Count 400 -Concurrency 4 -AsJob
        # Neither writes anything to the pipeline.
        Add-TcpBalancerBackend -Name lb -Backend $b[2] | Should -BeNullOrEmpty
        Remove-TcpBalancerBackend -Name lb -Backend $b[0] | Should -BeNullOrEmpty
        $null = Wait-Job $probe -Timeout 60
        $failed = @(Receive-Job $probe | Where-Object Status -ne 'Success').Count
        $after = @(Invoke-TcpProbe -Port $lb.Port -Count 4 | ForEach-Object Backend)

        $failed | Should -Be 0
        @($after | ForEach-Object { [int] $_ }) | Should -Be @($b[1].Port, $b[2].Port, $b[1].Port, $b[2].Port)
        ($lb.Backends -is [string[]]) | Should -BeTrue
        $lb.Backends | Should -HaveCount 2
    }

    It 'Get-TcpBalancerBackend reports state and counters' {
        $b = Start-TcpBackend 0, 0
        $lb = Start-TcpBalancer -Port 0 -Backend $b -Name lb -HealthCheckInterval 100
        $null = Invoke-TcpProbe -Port $lb.Port -Count 4 -Message 'abc'
        $null = Wait-TcpBalancerBackend -Name lb -Backend $b -State Up
        $status = @(Get-TcpBalancerBackend -Name lb)

        $status | Should -HaveCount 2
        foreach ($s in $status) {
            $s.State.ToString() | Should -BeExactly 'Up'
            [long] $s.TotalConnections | Should -Be 2
            [long] $s.BytesToBackend | Should -Be 6
            $s.Balancer | Should -BeExactly 'lb'
        }
    }

    It 'Past MaxConnections a client is refused and counted' {
        $lb = @(Start-TcpBackend 0 -Mode Echo | Start-TcpBalancer -Port 0 -MaxConnections 1 -QueueLength 0 -Name lb)
        $lb | Should -HaveCount 1
        $holder = Connect-TcpSocket $lb[0].Port
        try {
            Invoke-SocketExchange $holder 'hold'

            $refused = @(Invoke-TcpProbe -Port $lb[0].Port -Count 1)

            $refused | Should -HaveCount 1
            $refused[0].Status.ToString() | Should -BeExactly 'Reset'
            $job = @(Get-Job -Name lb)
            $job | Should -HaveCount 1
            [long] $job[0].Rejected | Should -Be 1
        }
        finally {
            $holder.Dispose()
        }
    }

    It 'Control cmdlets name what they cannot find' {
        $null = Start-TcpBackend 0 | Start-TcpBalancer -Port 0 -Name lb

        $noJob = { Get-TcpBalancerBackend -Name nosuch -ErrorAction Stop } | Should -Throw -ErrorId 'JobNotFound*' -PassThru
        $noBackend = { Remove-TcpBalancerBackend -Name lb -Backend 1 -ErrorAction Stop } | Should -Throw -ErrorId 'BackendNotFound*' -PassThru
        $duplicate = { $p = (Get-TcpBalancerBackend -Name lb).Port; Add-TcpBalancerBackend -Name lb -Backend $p } |
            Should -Throw -ErrorId 'CannotAddBackend*' -PassThru
        $badBackend = { Disable-TcpBalancerBackend -Name lb -Backend 'x:y' } | Should -Throw -PassThru
        $timeout = { $p = (Get-TcpBalancerBackend -Name lb).Port; Wait-TcpBalancerBackend -Name lb -Backend $p -State Down -Timeout 100 } |
            Should -Throw -ErrorId 'WaitTimeout*' -PassThru

        $noJob.Exception.Message | Should -BeLikeExactly "*'nosuch'*"
        $noBackend.Exception.Message | Should -BeLikeExactly '*127.0.0.1:1 is not in the pool*'
        $duplicate.Exception.Message | Should -BeLikeExactly '*already in the pool*'
        $badBackend.Exception.Message | Should -BeLikeExactly "*'x:y'*"
        $timeout.Exception.Message | Should -BeLikeExactly '*is Up*'
    }
}
