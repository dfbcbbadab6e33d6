# Defaults that never break a legitimate connection and never deliver a byte twice, through the
# cmdlets and with real peers: iperf3 through a default balancer, upload-only backends (read to
# the end, close without a byte back), a half-closed stream longer than -FinTimeout, the counts
# after idle timeouts, queued clients that reset, and -RetryOn / -NoReplay. Needs the built
# module, Pester 5+ and iperf3
# (.ci/run installs it): ./build.ps1 -Task Test runs it.

Describe 'SafeDefaultsTests' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../module/TcpLbModule.psd1') -Force
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force

        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

        # SafeDefaultsTests: a listening socket on 127.0.0.1, port 0; the caller disposes it.
        function New-Listener {
            $listener = New-TcpSocket
            $listener.Bind([System.Net.IPEndPoint]::new([System.Net.IPAddress]::Loopback, 0))
            $listener.Listen(64)
            $listener
        }

        # SafeDefaultsTests: an upload-only server in a thread job: each connection is read to its
        # end, the bytes are queued in $Received as one message, and the connection is closed
        # cleanly without a byte back. Disposing $Listener ends the job.
        $script:sinkPeer = {
            param([System.Net.Sockets.Socket] $Listener, [System.Collections.Concurrent.ConcurrentQueue[string]] $Received)
            $buffer = [byte[]]::new(65536)
            while ($true) {
                try { $socket = $Listener.AcceptAsync().GetAwaiter().GetResult() } catch { return }
                try {
                    $socket.ReceiveTimeout = 30000
                    $all = [System.IO.MemoryStream]::new()
                    while (($n = $socket.Receive($buffer)) -gt 0) { $all.Write($buffer, 0, $n) }
                    $Received.Enqueue([System.Text.Encoding]::ASCII.GetString($all.ToArray()))
                    $socket.Shutdown([System.Net.Sockets.SocketShutdown]::Send)
                }
                catch { }
                finally { $socket.Dispose() }
            }
        }

        # SafeDefaultsTests: a server in a thread job that reads one request to its end (the
        # client's FIN), then streams $Chunks chunks of $ChunkSize bytes, one every $IntervalMs
        # (with a silence of $PauseMs after the first $PauseAfter chunks), then closes.
        $script:streamPeer = {
            param([System.Net.Sockets.Socket] $Listener, [int] $Chunks, [int] $ChunkSize, [int] $IntervalMs, [int] $PauseAfter, [int] $PauseMs)
            $socket = $Listener.AcceptAsync().GetAwaiter().GetResult()
            try {
                $socket.ReceiveTimeout = 30000
                $buffer = [byte[]]::new(4096)
                while ($socket.Receive($buffer) -gt 0) { }
                $chunk = [byte[]]::new($ChunkSize)
                $clock = [System.Diagnostics.Stopwatch]::StartNew()
                $due = 0
                for ($i = 0; $i -lt $Chunks; $i++) {
                    if ($i -eq $PauseAfter) { $due += $PauseMs }
                    $wait = $due - $clock.ElapsedMilliseconds
                    if ($wait -gt 0) { Start-Sleep -Milliseconds $wait }   # the stream's own pace
                    $null = $socket.Send($chunk)
                    $due += $IntervalMs
                }
                $socket.Shutdown([System.Net.Sockets.SocketShutdown]::Send)
            }
            catch { }
            finally { $socket.Dispose() }
        }

        # SafeDefaultsTests: connects to the balancer, sends $Text and FIN, reads to the end:
        # the bytes received and whether the connection ended with a reset.
        function Read-AfterHalfClose([int] $Port, [string] $Text) {
            $client = New-TcpSocket
            try {
                $client.Connect([System.Net.IPAddress]::Loopback, $Port)
                $client.ReceiveTimeout = 60000
                $null = $client.Send([System.Text.Encoding]::ASCII.GetBytes($Text))
                $client.Shutdown([System.Net.Sockets.SocketShutdown]::Send)
                $buffer = [byte[]]::new(65536)
                $total = 0
                $reset = $false
                try {
                    while (($n = $client.Receive($buffer)) -gt 0) { $total += $n }
                }
                catch [System.Net.Sockets.SocketException] { $reset = $true }
                [pscustomobject]@{ Bytes = $total; Reset = $reset }
            }
            finally { $client.Dispose() }
        }

        # SafeDefaultsTests: Accepted = Served + Failed + Rejected + Denied + LoopsCut, and Served = the sum
        # of the backends' TotalConnections, once no connection is open.
        function Assert-CountsAddUp($Balancer) {
            Wait-Until { $Balancer.Active -eq 0 -and $Balancer.Accepted -eq ($Balancer.Served + $Balancer.Failed + $Balancer.Rejected + $Balancer.Denied + $Balancer.LoopsCut) } |
                Should -BeTrue -Because "Accepted $($Balancer.Accepted) = Served $($Balancer.Served) + Failed $($Balancer.Failed) + Rejected $($Balancer.Rejected) + Denied $($Balancer.Denied) + LoopsCut $($Balancer.LoopsCut) once idle"
            $totals = (Get-TcpBalancerBackend $Balancer | Measure-Object TotalConnections -Sum).Sum
            $Balancer.Served | Should -Be $totals -Because 'Served is the sum of the backends'' TotalConnections'
        }
    }

    AfterEach {
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
    }

    It 'iperf3 -P 4 -t 8 through a default balancer passes 5 runs of 5 and the backend stays Up' -Tag 'Bulk' {
        $server = Start-Iperf3Server
        try {
            # The defaults, except that health checks come every 2 minutes (so none lands during the runs)
            # rather than every 2 s: iperf3's server takes every connection to its port as part of the test
            # in progress, so a connect-only check arriving between a test's control and data connections
            # became one of its streams (1 run in about 20 under load ended with 0 bytes). Checks still run,
            # so passive health is on, and the retry and response-timeout defaults are the ones tested.
            $lb = Start-TcpBalancer -Port 0 -Backend $server.Port -Name lb -HealthCheckInterval 120000
            $runs = foreach ($run in 1..5) {
                Invoke-Iperf3Client -Port $lb.Port -Arguments '-P 4 -t 8' | Add-Member -NotePropertyName Run -NotePropertyValue $run -PassThru
            }
            $status = Get-TcpBalancerBackend $lb
            Write-Host ("iperf3 through a default balancer: " + (($runs | ForEach-Object { "run $($_.Run) exit $($_.ExitCode) $([math]::Round($_.Bytes / 1MB)) MiB" }) -join '; ') + "; backend $($status.State), $($status.Failures) failures")

            foreach ($r in $runs) {
                $r.ExitCode | Should -Be 0 -Because "run $($r.Run): $($r.Error)"
                $r.Bytes | Should -BeGreaterThan 0
            }
            $status.State.ToString() | Should -BeExactly 'Up'
            $status.Failures | Should -Be 0
            $lb.Failed | Should -Be 0
            Assert-CountsAddUp $lb
            $lb.Served | Should -Be 25 -Because '5 runs of one control and 4 data connections'
        }
        finally {
            Stop-Iperf3Server $server
        }
    }

    It 'Three upload-only backends get each of 30 messages exactly once with the defaults' {
        $received = [System.Collections.Concurrent.ConcurrentQueue[string]]::new()
        $listeners = 1..3 | ForEach-Object { New-Listener }
        try {
            $listeners | ForEach-Object { $null = Start-ThreadJob -ScriptBlock $script:sinkPeer -ArgumentList $_, $received }
            $lb = Start-TcpBalancer -Port 0 -Backend ($listeners | ForEach-Object { $_.LocalEndPoint.Port }) -Name lb
            $replies = foreach ($i in 1..30) { Read-AfterHalfClose -Port $lb.Port -Text "message $i" }

            Wait-Until { $received.Count -ge 30 } | Should -BeTrue
            Assert-CountsAddUp $lb
            $messages = @($received.ToArray() | Sort-Object)
            $backends = Get-TcpBalancerBackend $lb
            Write-Host "Upload-only trio: $($messages.Count) deliveries for 30 messages; $(@($messages | Sort-Object -Unique).Count) distinct; backends $(($backends | ForEach-Object { "$($_.State) $($_.TotalConnections)" }) -join ', '); Redispatched $($lb.Redispatched)"

            $messages | Should -Be @(1..30 | ForEach-Object { "message $_" } | Sort-Object)
            foreach ($reply in $replies) {
                $reply.Bytes | Should -Be 0
                $reply.Reset | Should -BeFalse -Because 'the backend''s clean close reaches the client as one'
            }
            foreach ($backend in $backends) {
                $backend.State.ToString() | Should -BeExactly 'Up'
                $backend.Failures | Should -Be 0
                $backend.TotalConnections | Should -Be 10
            }
            $lb.Redispatched | Should -Be 0
            $lb.Served | Should -Be 30
        }
        finally {
            $listeners | ForEach-Object { $_.Dispose() }
        }
    }

    It 'A half-closed stream three times longer than -FinTimeout is delivered whole; one that goes silent past it is cut' {
        $listener = New-Listener
        $silent = New-Listener
        try {
            # 60 chunks of 16 KiB, one every 100 ms: a 6 s stream after the client's FIN, against a 2 s FIN timeout.
            $null = Start-ThreadJob -ScriptBlock $script:streamPeer -ArgumentList $listener, 60, 16384, 100, -1, 0
            $lb = Start-TcpBalancer -Port 0 -Backend $listener.LocalEndPoint.Port -FinTimeout 2000
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $flowing = Read-AfterHalfClose -Port $lb.Port -Text 'GET stream'
            $elapsed = $clock.Elapsed

            # The same stream with a 3 s silence after 5 chunks: the FIN timeout still ends a half-closed connection that stops moving.
            $null = Start-ThreadJob -ScriptBlock $script:streamPeer -ArgumentList $silent, 60, 16384, 100, 5, 3000
            $lb2 = Start-TcpBalancer -Port 0 -Backend $silent.LocalEndPoint.Port -FinTimeout 2000
            $stalled = Read-AfterHalfClose -Port $lb2.Port -Text 'GET stream'
            Write-Host "Half-closed stream: $($flowing.Bytes) of $(60 * 16384) bytes in $([int] $elapsed.TotalSeconds) s with -FinTimeout 2000; a stream silent for 3 s: $($stalled.Bytes) bytes, reset $($stalled.Reset)"

            $flowing.Bytes | Should -Be (60 * 16384)
            $flowing.Reset | Should -BeFalse
            $elapsed.TotalMilliseconds | Should -BeGreaterThan 4000 -Because 'the stream outlasted the FIN timeout'
            $stalled.Reset | Should -BeTrue
            $stalled.Bytes | Should -BeLessThan (60 * 16384)
            Assert-CountsAddUp $lb
            $lb.Failed | Should -Be 0
        }
        finally {
            $listener.Dispose()
            $silent.Dispose()
        }
    }

    It 'After 200 connections closed by -IdleTimeout 2000 the counts add up and none is Failed' {
        $backends = Start-TcpBackend 0, 0 -Mode Echo
        $lb = Start-TcpBalancer -Port 0 -Backend $backends -IdleTimeout 2000 -Name lb
        $clients = [System.Collections.Generic.List[System.Net.Sockets.Socket]]::new()
        try {
            foreach ($i in 1..200) {
                $client = New-TcpSocket
                $clients.Add($client)
                $client.Connect([System.Net.IPAddress]::Loopback, $lb.Port)
                if ($i % 2) {
                    # Half of them answered once, half never spoke: both kinds are cut by the idle timeout.
                    $client.ReceiveTimeout = 30000
                    $null = $client.Send([byte[]] @(7))
                    $null = $client.Receive([byte[]]::new(1))
                }
            }
            Assert-CountsAddUp $lb
            $totals = (Get-TcpBalancerBackend $lb | Measure-Object TotalConnections -Sum).Sum
            Write-Host "Idle timeouts: Accepted $($lb.Accepted), Served $($lb.Served), Failed $($lb.Failed), sum of TotalConnections $totals"

            $lb.Accepted | Should -Be 200
            $lb.Served | Should -Be 200
            $lb.Failed | Should -Be 0
            $lb.Redispatched | Should -Be 0
        }
        finally {
            $clients | ForEach-Object { $_.Dispose() }
        }
    }

    It 'Five clients that reset while queued behind -MaxConnections 1 never reach the backend and are counted; one that half-closed is served' {
        $null = Start-TcpBackend 0 -Mode Echo -Name echo
        $lb = Get-TcpBackend -Name echo | Start-TcpBalancer -Port 0 -MaxConnections 1 -QueueTimeout 30000 -HealthCheckInterval 0 -Name lb
        $request = [System.Text.Encoding]::ASCII.GetBytes('hello queue')   # 11 bytes
        $clients = [System.Collections.Generic.List[System.Net.Sockets.Socket]]::new()
        try {
            $connect = {
                $client = New-TcpSocket
                $clients.Add($client)
                $client.Connect([System.Net.IPAddress]::Loopback, $lb.Port)
                $client.ReceiveTimeout = 30000
                $null = $client.Send($request)
                $client
            }
            $holder = & $connect
            $null = $holder.Receive([byte[]]::new(11))   # the echo: the holder has the only slot
            $quitters = 1..5 | ForEach-Object { & $connect }
            Wait-Until { (Get-TcpBalancer -Name lb).Queued -eq 5 } | Should -BeTrue -Because 'the five wait for the slot'
            $patient = & $connect
            $patient.Shutdown([System.Net.Sockets.SocketShutdown]::Send)   # a half-close after its request, not a give-up
            Wait-Until { (Get-TcpBalancer -Name lb).Queued -eq 6 } | Should -BeTrue
            foreach ($quitter in $quitters) {
                $quitter.LingerState = [System.Net.Sockets.LingerOption]::new($true, 0)
                $quitter.Dispose()   # a reset
            }
            $holder.Dispose()   # the slot is free

            $echoed = [System.IO.MemoryStream]::new()
            $buffer = [byte[]]::new(64)
            while (($n = $patient.Receive($buffer)) -gt 0) { $echoed.Write($buffer, 0, $n) }
            $lb = Get-TcpBalancer -Name lb
            Assert-CountsAddUp $lb
            $backend = Get-TcpBackend -Name echo
            Write-Host "Queued clients: Accepted $($lb.Accepted), Served $($lb.Served), Failed $($lb.Failed), AbandonedInQueue $($lb.AbandonedInQueue), BytesFromClients $($lb.BytesFromClients); the backend accepted $($backend.ConnectionsAccepted)"

            [System.Text.Encoding]::ASCII.GetString($echoed.ToArray()) | Should -BeExactly 'hello queue'
            $lb.AbandonedInQueue | Should -Be 5
            $lb.Failed | Should -Be 5
            $lb.Served | Should -Be 2
            $lb.BytesFromClients | Should -Be 22 -Because 'only the holder''s and the patient client''s bytes were read'
            $backend.ConnectionsAccepted | Should -Be 2 -Because 'the backend never saw a client that gave up (and no health check runs)'
            (Get-TcpBalancerBackend $lb).Failures | Should -Be 0
        }
        finally {
            $clients | ForEach-Object { $_.Dispose() }
        }
    }

    It '-RetryOn changes what is retried, live with Update-TcpBalancer; -NoReplay with a replaying -RetryOn is refused' {
        $b = Start-TcpBackend 0, 0
        $b[0] | Set-TcpBackend -Fault Reset
        $lb = Start-TcpBalancer -Port 0 -Backend $b -Name lb -HealthCheckInterval 0
        $before = @(Invoke-TcpProbe -Port $lb.Port -Count 4)
        Update-TcpBalancer -Name lb -RetryOn None
        $after = @(Invoke-TcpProbe -Port $lb.Port -Count 4)
        $exported = Export-TcpBalancerConfiguration -Job $lb -Format Toml

        @($before | Where-Object Status -ne 'Success') | Should -HaveCount 0 -Because 'by default a reset right after accept is retried or replayed'
        @($after | Where-Object Status -eq 'Reset') | Should -HaveCount 2 -Because 'with -RetryOn None the resetting backend''s clients get its reset'
        $exported | Should -Match 'retry_on = \[\s*\]'
        $err = { Start-TcpBalancer -Port 0 -Backend $b -NoReplay -RetryOn ConnectFailure, EmptyResponse } | Should -Throw -ErrorId 'NoReplayConflictsWithRetryOn*' -PassThru
        $err.Exception.Message | Should -BeLike '*EmptyResponse*'
        @(Get-Job | Where-Object PSJobTypeName -eq 'TcpBalancer') | Should -HaveCount 1
    }
}
