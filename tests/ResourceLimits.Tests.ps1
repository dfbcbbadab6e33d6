# What an attacker or a careless user can do to the balancer's resources, and what must hold:
# every dropped client is counted when file descriptors run out (a loop back into the balancer
# is cut: SelfLoopTests in the engine tests), many connections leave no descriptors or memory behind, a backend that never reads stalls
# the client instead of filling memory, and Stop-Job stays prompt with hundreds of connections.
# The tests that lower the file-descriptor limit run it in a child pwsh (bash -c 'ulimit -n N'),
# so that a regression exhausts the child, not this process or the machine.
# Needs the built module (dotnet build) and Pester: ./build.ps1 -Task Test runs it.

Describe 'ResourceLimits' {
    BeforeAll {
        $script:ModulePath = Join-Path $PSScriptRoot '../module/TcpLbModule.psd1'
        Import-Module $script:ModulePath -Force
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force

        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

        function Get-FdCount { @(Get-ChildItem /proc/self/fd).Count }

        function Get-Rss {
            [GC]::Collect()
            [GC]::WaitForPendingFinalizers()
            [GC]::Collect()
            $self = Get-Process -Id $PID
            $self.Refresh()
            $self.WorkingSet64
        }

        function Connect-Loopback([int] $Port) {
            $socket = New-TcpSocket
            $socket.NoDelay = $true
            $socket.Connect([System.Net.IPAddress]::Loopback, $Port)
            $socket.ReceiveTimeout = 30000
            $socket
        }

        # Reads to EOF; a reset reads as $null, a receive timeout throws.
        function Read-ToEnd([System.Net.Sockets.Socket] $Socket) {
            $buffer = [byte[]]::new(4096)
            $kept = [System.IO.MemoryStream]::new()
            try {
                while (($n = $Socket.Receive($buffer)) -gt 0) { $kept.Write($buffer, 0, $n) }
            }
            catch [System.Net.Sockets.SocketException] {
                if ($_.Exception.SocketErrorCode -eq 'TimedOut') { throw }
                return $null
            }
            [System.Text.Encoding]::UTF8.GetString($kept.ToArray())
        }

        # Runs $Script in a child pwsh under `ulimit -n $Limit`. The child prints 'READY <text>'
        # when set up, waits for a line on stdin, and prints 'RESULT <json>' last. $WhileReady gets
        # the READY text and the child process, and runs before the child is told to go on.
        # Returns the parsed result.
        function Invoke-ChildWithFdLimit {
            param([int] $Limit, [string] $Script, [string[]] $Arguments = @(), [scriptblock] $WhileReady = {})
            $path = Join-Path $TestDrive ("child-{0}.ps1" -f [guid]::NewGuid())
            Set-Content -LiteralPath $path -Value $Script
            $exe = (Get-Process -Id $PID).Path
            $info = [System.Diagnostics.ProcessStartInfo]::new('bash')
            foreach ($a in @('-c', 'ulimit -n "$0" && exec "$@"', "$Limit", $exe)) { $info.ArgumentList.Add($a) }
            if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') {
                # Running as `dotnet pwsh`: the first argument is pwsh.dll.
                $info.ArgumentList.Add([Environment]::GetCommandLineArgs()[0])
            }
            foreach ($a in @('-NoProfile', '-NonInteractive', '-File', $path) + $Arguments) { $info.ArgumentList.Add($a) }
            $info.RedirectStandardInput = $true
            $info.RedirectStandardOutput = $true
            $info.RedirectStandardError = $true
            $info.UseShellExecute = $false
            $child = [System.Diagnostics.Process]::Start($info)
            try {
                $errors = $child.StandardError.ReadToEndAsync()
                $result = $null
                while ($true) {
                    $line = $child.StandardOutput.ReadLineAsync()
                    if (-not $line.Wait(120000)) { throw 'The child printed nothing for 120 s.' }
                    if ($null -eq $line.Result) { break }
                    if ($line.Result -like 'READY *') {
                        & $WhileReady $line.Result.Substring(6) $child
                        if ($child.HasExited) {
                            throw "The child exited ($($child.ExitCode)) before it was told to go on. Its errors: $($errors.Result)"
                        }
                        $child.StandardInput.WriteLine('GO')
                        $child.StandardInput.Flush()
                    }
                    elseif ($line.Result -like 'RESULT *') {
                        $result = $line.Result.Substring(7) | ConvertFrom-Json
                    }
                }
                if (-not $child.WaitForExit(60000)) { throw 'The child did not exit.' }
                if ($null -eq $result) { throw "The child gave no result. Its errors: $($errors.Result)" }
                $result
            }
            finally {
                if (-not $child.HasExited) { $child.Kill($true) }
                $child.Dispose()
            }
        }

        # The counters and warnings a child reports for its balancer $lb (after the child's param block).
        $script:ChildReport = @'
function Write-Report($lb, [hashtable] $Extra = @{}) {
    $report = @{
        Accepted = $lb.Accepted; Served = $lb.Served; Failed = $lb.Failed; Rejected = $lb.Rejected
        LoopsCut = $lb.LoopsCut; Active = $lb.ActiveConnections
        Warnings = @($lb.Warning | ForEach-Object { $_.Message })
        Verbose = @($lb.Verbose | ForEach-Object { $_.Message })
    } + $Extra
    [Console]::Out.WriteLine('RESULT ' + ($report | ConvertTo-Json -Compress -Depth 3))
    [Console]::Out.Flush()
}
'@
    }

    AfterEach {
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
    }

    It 'Out of file descriptors every client is served or counted, and the job warns once per episode (child, ulimit -n 400)' {
        # The backend runs here, so the child's descriptors go to the balancer alone.
        $script = "param([string] `$ModulePath, [int] `$Expected, [int] `$BackendPort)`n" + $script:ChildReport + @'
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$lb = Start-TcpBalancer -Port 0 -Backend $BackendPort -HealthCheckInterval 0
# The .NET runtime cannot start a thread without a free descriptor (it fails with "Out of
# memory" and ends the process): give the thread pool its threads now, before they run out.
[void] [System.Threading.ThreadPool]::SetMinThreads(24, 24)
$gate = [System.Threading.ManualResetEvent]::new($false)
$blocked = foreach ($i in 1..24) { [System.Threading.Tasks.Task]::Run([System.Delegate]::CreateDelegate([Func[bool]], $gate, 'WaitOne')) }
Start-Sleep -Milliseconds 500
[void] $gate.Set()
[System.Threading.Tasks.Task]::WaitAll([System.Threading.Tasks.Task[]] $blocked)
[Console]::Out.WriteLine("READY $($lb.Port)")
[Console]::Out.Flush()
[void] [Console]::In.ReadLine()
$deadline = [DateTime]::UtcNow.AddSeconds(60)
while (($lb.Accepted -lt $Expected -or $lb.ActiveConnections -gt 0) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
Write-Report $lb
'@
        # Two descriptors each in the child, more than it has (about 165 of its 400 are taken before
        # the first client): exhaustion is certain once the clients' connections are open at the
        # same time, which the backend's reply delay ensures (without it, on a quiet machine the
        # first connections could finish before the last were accepted). The episode stays brief:
        # a .NET process that stays out of descriptors dies when its thread pool needs a thread.
        $clients = 150
        $backend = Start-TcpBackend 0 -Latency 500
        $script:served = 0
        $script:reset = 0
        $r = Invoke-ChildWithFdLimit -Limit 400 -Script $script -Arguments $script:ModulePath, $clients, $backend.Port -WhileReady {
            param($port)
            # All connected before any is finished.
            $sockets = foreach ($i in 1..$clients) { Connect-Loopback $port }
            try {
                foreach ($s in $sockets) {
                    try {
                        [void] $s.Send([System.Text.Encoding]::UTF8.GetBytes('Hello'))
                        $s.Shutdown([System.Net.Sockets.SocketShutdown]::Send)
                    }
                    catch [System.Net.Sockets.SocketException] {
                        # Reset by the balancer already: read below as not served.
                    }
                }
                foreach ($s in $sockets) {
                    $reply = Read-ToEnd $s
                    if ($reply -like 'Response from server running on port*') { $script:served++ } else { $script:reset++ }
                }
            }
            finally {
                $sockets | ForEach-Object { $_.Dispose() }
            }
        }

        $r.Accepted | Should -Be $clients
        $r.Accepted | Should -Be ($r.Served + $r.Failed + $r.Rejected + $r.LoopsCut)
        $r.Served | Should -Be $script:served
        ($r.Failed + $r.Rejected) | Should -Be $script:reset -Because 'every client the balancer drops is counted'
        $exhausted = @($r.Warnings | Where-Object { $_ -like '*cannot create sockets*too many open files*' })
        $recovered = @($r.Verbose | Where-Object { $_ -like '*can create sockets again*' })
        $exhausted.Count | Should -BeGreaterThan 0
        $exhausted.Count | Should -BeLessOrEqual ($recovered.Count + 1) -Because 'one warning per episode, not one per failure'
    }

    It 'Many sequential connections leave file descriptors and memory flat' {
        # The audit ran 100,000; 40,000 takes about 30 s on a busy 2-core machine, which is what CI can spend.
        $count = 40000
        $b = Start-TcpBackend 0
        $lb = Start-TcpBalancer -Port 0 -Backend $b
        Invoke-TcpProbe -Port $lb.Port -ComputerName 127.0.0.1 -Count 2000 | Out-Null
        $fdBefore = Get-FdCount
        $rssBefore = Get-Rss

        $failed = @(Invoke-TcpProbe -Port $lb.Port -ComputerName 127.0.0.1 -Count $count | Where-Object Status -ne 'Success')

        $failed | Should -HaveCount 0
        Wait-Until { $lb.ActiveConnections -eq 0 -and $b.ActiveConnections -eq 0 } | Should -BeTrue
        (Get-FdCount) | Should -BeLessOrEqual ($fdBefore + 10)
        ((Get-Rss) - $rssBefore) / 1MB | Should -BeLessThan 100 -Because 'memory must not grow with the number of connections'
        $lb.Accepted | Should -Be ($count + 2000)
        $lb.Failed | Should -Be 0
    }

    It '1,000 concurrent connections are held open and all served' {
        $count = 1000
        $b = Start-TcpBackend 0
        $lb = Start-TcpBalancer -Port 0 -Backend $b
        $sockets = [System.Collections.Generic.List[System.Net.Sockets.Socket]]::new()
        try {
            foreach ($i in 1..$count) { $sockets.Add((Connect-Loopback $lb.Port)) }

            Wait-Until { $lb.ActiveConnections -eq $count -and $b.ActiveConnections -eq $count } | Should -BeTrue -Because "$($lb.ActiveConnections) balancer ($($lb.Accepted) accepted, $($lb.Failed) failed) and $($b.ActiveConnections) backend connections are open"
            foreach ($s in $sockets) {
                [void] $s.Send([System.Text.Encoding]::UTF8.GetBytes('Hello'))
                $s.Shutdown([System.Net.Sockets.SocketShutdown]::Send)
            }
            $replies = foreach ($s in $sockets) { Read-ToEnd $s }

            @($replies | Where-Object { $_ -like "Response from server running on port $($b.Port)*" }) | Should -HaveCount $count
            $lb.Failed | Should -Be 0
        }
        finally {
            $sockets | ForEach-Object { $_.Dispose() }
        }
    }

    It 'A backend that never reads stalls the client and memory stays flat' {
        # Listens and never accepts: the kernel completes the connection, nobody reads it.
        $deaf = New-TcpSocket
        $client = $null
        try {
            $deaf.Bind([System.Net.IPEndPoint]::new([System.Net.IPAddress]::Loopback, 0))
            $deaf.Listen(4)
            $lb = Start-TcpBalancer -Port 0 -Backend $deaf.LocalEndPoint.Port -HealthCheckInterval 0
            $rssBefore = Get-Rss
            $client = Connect-Loopback $lb.Port
            $client.Blocking = $false
            $chunk = [byte[]]::new(64KB)
            $sent = 0L
            $stalled = $false
            while ($sent -lt 256MB) {
                # No room to write for 2 s: the client is stalled.
                if (-not $client.Poll(2000000, [System.Net.Sockets.SelectMode]::SelectWrite)) { $stalled = $true; break }
                try { $sent += $client.Send($chunk) }
                catch [System.Net.Sockets.SocketException] {
                    if ($_.Exception.SocketErrorCode -ne 'WouldBlock') { throw }
                }
            }

            $stalled | Should -BeTrue -Because "the client sent $($sent / 1MB) MB without stalling"
            $sent | Should -BeLessThan 64MB
            ((Get-Rss) - $rssBefore) / 1MB | Should -BeLessThan 64 -Because 'the balancer gives back-pressure instead of buffering'
            $lb.ActiveConnections | Should -Be 1
        }
        finally {
            if ($client) { $client.Dispose() }
            $deaf.Dispose()
        }
    }

    It 'Stop-Job with 500 active connections returns promptly and frees the port' {
        $count = 500
        $b = Start-TcpBackend 0
        $lb = Start-TcpBalancer -Port 0 -Backend $b
        $port = $lb.Port
        $sockets = [System.Collections.Generic.List[System.Net.Sockets.Socket]]::new()
        try {
            foreach ($i in 1..$count) { $sockets.Add((Connect-Loopback $port)) }
            Wait-Until { $lb.ActiveConnections -eq $count } | Should -BeTrue -Because "$($lb.ActiveConnections) connections are open"

            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            Stop-Job $lb
            $clock.Stop()

            $clock.Elapsed | Should -BeLessThan ([TimeSpan]::FromSeconds(5)) -Because "Stop-Job took $($clock.Elapsed)"
            $lb.State.ToString() | Should -BeExactly 'Stopped'
            Test-PortFree $port | Should -BeTrue
            Wait-Until { $lb.ActiveConnections -eq 0 } | Should -BeTrue
            # Every client sees its connection end (FIN or reset), none hangs.
            foreach ($s in $sockets) { $s.ReceiveTimeout = 5000; Read-ToEnd $s | Should -BeNullOrEmpty }
        }
        finally {
            $sockets | ForEach-Object { $_.Dispose() }
        }
    }
}
