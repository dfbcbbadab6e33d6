# Toxics on the balancer's path (Add-/Get-/Set-/Remove-TcpBalancerToxic, Start-TcpBalancer -Toxic)
# in front of a backend no one here wrote: nginx from Debian's packages, started by this file on a
# free loopback port with a config in a temp folder. The tests fail, not skip, when nginx is missing.
# Needs the built module (dotnet build); ./build.ps1 -Task Test runs every file under Pester 5 or 6.

Describe 'Toxics in front of a real nginx' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../module/TcpLbModule.psd1') -Force
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

        $nginxExe = @('/usr/sbin/nginx', (Get-Command nginx -ErrorAction SilentlyContinue).Source) | Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
        if (-not $nginxExe) {
            throw 'nginx is not installed: these tests need it (apt-get install -y nginx).'
        }
        $script:root = Join-Path ([System.IO.Path]::GetTempPath()) ("tcplb-toxics-" + [guid]::NewGuid().ToString('N'))
        $www = Join-Path $root 'www'
        New-Item -ItemType Directory -Path $www, (Join-Path $root 'tmp') -Force | Out-Null
        $random = [System.Random]::new(12)
        $script:files = @{}
        foreach ($entry in @(@{ Name = 'small.txt'; Size = 0 }, @{ Name = 'mid.bin'; Size = 256KB }, @{ Name = 'big.bin'; Size = 1536KB })) {
            $path = Join-Path $www $entry.Name
            if ($entry.Size -eq 0) {
                [System.IO.File]::WriteAllText($path, "hello from nginx`n")
            }
            else {
                $bytes = [byte[]]::new($entry.Size)
                $random.NextBytes($bytes)
                [System.IO.File]::WriteAllBytes($path, $bytes)
            }
        }
        $script:nginxPort = Get-FreePort
        $tmp = Join-Path $root 'tmp'
        # daemon off: the process Start-Process sees is nginx itself, so AfterAll stops it by its id.
        $config = @"
daemon off;
worker_processes 1;
pid $root/nginx.pid;
error_log $root/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $tmp/body;
    proxy_temp_path $tmp/proxy;
    fastcgi_temp_path $tmp/fastcgi;
    uwsgi_temp_path $tmp/uwsgi;
    scgi_temp_path $tmp/scgi;
    types { }
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$nginxPort backlog=4096;
        root $www;
        location / { }
    }
}
"@
        Set-Content -Path (Join-Path $root 'nginx.conf') -Value $config
        $script:nginx = Start-Process -FilePath $nginxExe -ArgumentList '-p', $root, '-e', "$root/error.log", '-c', "$root/nginx.conf" -PassThru -RedirectStandardError (Join-Path $root 'stderr.txt')
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while (Test-PortFree $nginxPort) {
            if ($nginx.HasExited -or [DateTime]::UtcNow -gt $deadline) {
                throw "nginx did not start on port ${nginxPort}: $(Get-Content (Join-Path $root 'error.log') -Raw -ErrorAction SilentlyContinue) $(Get-Content (Join-Path $root 'stderr.txt') -Raw -ErrorAction SilentlyContinue)"
            }
            Start-Sleep -Milliseconds 50
        }

        # One HTTP/1.0 GET over a raw socket: every byte of the reply (headers and body), the number of reads, the time to EOF.
        function Get-Raw([int] $Port, [string] $Path, [int] $Pad = 0) {
            $client = [System.Net.Sockets.TcpClient]::new()
            try {
                $client.NoDelay = $true
                $client.ReceiveTimeout = 20000
                $client.Connect('127.0.0.1', $Port)
                $stream = $client.GetStream()
                $request = "GET /$Path HTTP/1.0`r`nHost: localhost`r`n"
                if ($Pad -gt 0) { $request += "X-Pad: $('p' * $Pad)`r`n" }
                $request = [System.Text.Encoding]::ASCII.GetBytes($request + "`r`n")
                $watch = [System.Diagnostics.Stopwatch]::StartNew()
                $stream.Write($request, 0, $request.Length)
                $all = [System.IO.MemoryStream]::new()
                $buffer = [byte[]]::new(65536)
                $reads = 0
                while (($n = $stream.Read($buffer, 0, $buffer.Length)) -gt 0) {
                    $all.Write($buffer, 0, $n)
                    $reads++
                }
                [pscustomobject]@{ Bytes = $all.ToArray(); Reads = $reads; Seconds = $watch.Elapsed.TotalSeconds }
            }
            finally {
                $client.Dispose()
            }
        }

        function Get-Hash([byte[]] $Bytes) {
            [System.BitConverter]::ToString([System.Security.Cryptography.SHA256]::Create().ComputeHash($Bytes))
        }

        # Where the body of an HTTP reply starts: just past the blank line.
        function Get-BodyStart([byte[]] $Reply) {
            for ($i = 0; $i -lt $Reply.Length - 3; $i++) {
                if ($Reply[$i] -eq 13 -and $Reply[$i + 1] -eq 10 -and $Reply[$i + 2] -eq 13 -and $Reply[$i + 3] -eq 10) {
                    return $i + 4
                }
            }
            throw 'No end of headers in the reply.'
        }

        # The body of an HTTP reply: what follows the blank line.
        function Get-Body([byte[]] $Reply) {
            , $Reply[(Get-BodyStart $Reply)..($Reply.Length - 1)]
        }

        # The header block of an HTTP reply less its Date line, which ticks between two requests.
        function Get-HeadWithoutDate([byte[]] $Reply) {
            $head = [System.Text.Encoding]::ASCII.GetString($Reply, 0, (Get-BodyStart $Reply))
            ($head -split "`r`n" | Where-Object { $_ -notlike 'Date:*' }) -join "`r`n"
        }

        $script:request = "GET /small.txt HTTP/1.0`r`nHost: localhost`r`n`r`n"
    }

    AfterAll {
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
        if ($nginx -and -not $nginx.HasExited) {
            $nginx.Kill($true)
            $nginx.WaitForExit(10000) | Out-Null
        }
        if ($root) { Remove-Item -Recurse -Force $root -ErrorAction SilentlyContinue }
    }

    AfterEach {
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
    }

    It 'nginx answers directly (the baseline the toxics break)' {
        $direct = Get-Raw $nginxPort 'big.bin'
        $body = Get-Body $direct.Bytes
        (Get-Hash $body) | Should -BeExactly (Get-Hash ([System.IO.File]::ReadAllBytes((Join-Path $root 'www/big.bin'))))
    }

    It 'Latency with jitter delays every reply by at least Latency - Jitter, and the jitter shows' {
        $lb = Start-TcpBalancer -Port 0 -Backend $nginxPort -HealthCheckInterval 0
        Add-TcpBalancerToxic -Job $lb -Type Latency -Latency 300 -Jitter 100
        $results = @(Invoke-TcpProbe -Port $lb.Port -Count 12 -Message $request -Timeout 10000)

        $results | Should -HaveCount 12
        foreach ($r in $results) {
            $r.Status.ToString() | Should -BeExactly 'Success'
            $r.Response | Should -Match 'hello from nginx'
            $r.Latency.TotalMilliseconds | Should -BeGreaterOrEqual 195
        }
        $ms = $results | ForEach-Object { $_.Latency.TotalMilliseconds }
        (($ms | Measure-Object -Maximum).Maximum - ($ms | Measure-Object -Minimum).Minimum) | Should -BeGreaterThan 25
        (Get-TcpBalancerToxic -Job $lb).Connections | Should -Be 12
    }

    It 'Bandwidth passes the rate within 20 percent over a transfer of about three seconds' {
        $lb = Start-TcpBalancer -Port 0 -Backend $nginxPort -HealthCheckInterval 0
        Add-TcpBalancerToxic -Job $lb -Type Bandwidth -Rate 512
        $reply = Get-Raw $lb.Port 'big.bin'

        $rate = $reply.Bytes.Length / $reply.Seconds / 1024
        $reply.Bytes.Length | Should -BeGreaterThan 1536KB
        $rate | Should -BeGreaterOrEqual (512 * 0.8)
        $rate | Should -BeLessOrEqual (512 * 1.2)
    }

    It 'LimitData closes after exactly Bytes bytes, the first bytes of the real reply' {
        $lb = Start-TcpBalancer -Port 0 -Backend $nginxPort -HealthCheckInterval 0 -Toxic @{ Type = 'LimitData'; Bytes = 100000 }
        $direct = Get-Raw $nginxPort 'big.bin'
        $cut = Get-Raw $lb.Port 'big.bin'

        $cut.Bytes.Length | Should -Be 100000
        # Byte for byte but for the Date header, which may tick between the two requests (seen once
        # in a fresh-clone run); a Date line is the same length either way, so the cut is still at 100000.
        (Get-HeadWithoutDate $cut.Bytes) | Should -BeExactly (Get-HeadWithoutDate $direct.Bytes)
        $body = Get-Body $cut.Bytes
        (Get-Hash $body) | Should -BeExactly (Get-Hash (Get-Body $direct.Bytes)[0..($body.Length - 1)])
    }

    It 'Slicer delivers the same bytes in many smaller reads' {
        $lb = Start-TcpBalancer -Port 0 -Backend $nginxPort -HealthCheckInterval 0
        Add-TcpBalancerToxic -Job $lb -Type Slicer -AverageSize 1024 -SizeVariation 512 -Delay 1
        $direct = Get-Raw $nginxPort 'mid.bin'
        $sliced = Get-Raw $lb.Port 'mid.bin'

        (Get-Hash (Get-Body $sliced.Bytes)) | Should -BeExactly (Get-Hash (Get-Body $direct.Bytes))
        $sliced.Reads | Should -BeGreaterOrEqual 40
        $sliced.Reads | Should -BeGreaterThan (2 * $direct.Reads)
    }

    It 'ResetPeer gives Reset; Timeout 0 gives Timeout; Timeout 300 closes with an empty reply after 300 ms' {
        $reset = Start-TcpBalancer -Port 0 -Backend $nginxPort -HealthCheckInterval 0 -Toxic @{ Type = 'ResetPeer' }
        $hang = Start-TcpBalancer -Port 0 -Backend $nginxPort -HealthCheckInterval 0 -Toxic @{ Type = 'Timeout' }
        $close = Start-TcpBalancer -Port 0 -Backend $nginxPort -HealthCheckInterval 0 -Toxic @{ Type = 'Timeout'; Timeout = 300 }

        $resetResults = @(Invoke-TcpProbe -Port $reset.Port -Count 3 -Message $request)
        $hangResult = Invoke-TcpProbe -Port $hang.Port -Count 1 -Message $request -Timeout 1000
        $closeResult = Invoke-TcpProbe -Port $close.Port -Count 1 -Message $request -Timeout 10000

        foreach ($r in $resetResults) { $r.Status.ToString() | Should -BeExactly 'Reset' }
        $hangResult.Status.ToString() | Should -BeExactly 'Timeout'
        $closeResult.Status.ToString() | Should -BeExactly 'Success'
        $closeResult.Response | Should -BeExactly ''
        $closeResult.Latency.TotalMilliseconds | Should -BeGreaterOrEqual 295
    }

    It 'Toxicity 0.5 over 2000 connections touches a share within statistical bounds, and counts them' {
        $lb = Start-TcpBalancer -Port 0 -Backend $nginxPort -HealthCheckInterval 0 -Toxic @{ Type = 'ResetPeer'; Toxicity = 0.5 }
        $results = @(Invoke-TcpProbe -Port $lb.Port -Count 2000 -Concurrency 50 -Message $request -Timeout 20000)
        $reset = @($results | Where-Object { $_.Status.ToString() -eq 'Reset' }).Count
        $ok = @($results | Where-Object { $_.Status.ToString() -eq 'Success' }).Count

        # Binomial(2000, 0.5): sd 22.4; 1000 +- 100 is 4.5 sd.
        $reset + $ok | Should -Be 2000
        $reset | Should -BeGreaterOrEqual 900
        $reset | Should -BeLessOrEqual 1100
        (Get-TcpBalancerToxic -Job $lb).Connections | Should -Be $reset
        (Get-TcpBalancerBackend -Job $lb).ToxicConnections | Should -Be $reset
        $lb.ToxicConnections | Should -Be $reset
    }

    It 'An Upstream toxic touches only what the backend receives, a Downstream one only what the client receives' {
        $up = Start-TcpBalancer -Port 0 -Backend $nginxPort -HealthCheckInterval 0 -Toxic @{ Type = 'LimitData'; Bytes = 1000; Direction = 'Upstream' }
        $down = Start-TcpBalancer -Port 0 -Backend $nginxPort -HealthCheckInterval 0 -Toxic @{ Type = 'LimitData'; Bytes = 1000; Direction = 'Downstream' }
        $direct = Get-Raw $nginxPort 'mid.bin'

        $upSmallRequest = Get-Raw $up.Port 'mid.bin'
        $upBigRequest = Get-Raw $up.Port 'mid.bin' -Pad 3000
        $downBigRequest = Get-Raw $down.Port 'mid.bin' -Pad 3000

        # Upstream: a request under the limit gets the whole reply; one over it reaches nginx cut short, unanswered.
        (Get-Hash $upSmallRequest.Bytes) | Should -BeExactly (Get-Hash $direct.Bytes)
        $upBigRequest.Bytes.Length | Should -Be 0
        # Downstream: nginx got the whole big request (it answered), and the reply is cut at the limit.
        $downBigRequest.Bytes.Length | Should -Be 1000
        [System.Text.Encoding]::ASCII.GetString($downBigRequest.Bytes, 0, 15) | Should -BeExactly 'HTTP/1.1 200 OK'
    }

    It 'A toxic given to Start-TcpBalancer applies to the very first connection' {
        $lb = Start-TcpBalancer -Port 0 -Backend $nginxPort -HealthCheckInterval 0 -Toxic @{ Type = 'ResetPeer' }, @{ Type = 'Latency'; Latency = 50; Name = 'slow' }
        $first = Invoke-TcpProbe -Port $lb.Port -Count 1 -Message $request

        $first.Status.ToString() | Should -BeExactly 'Reset'
        $toxics = @(Get-TcpBalancerToxic -Job $lb)
        $toxics.ToxicName | Should -Be @('reset_peer_downstream', 'slow')
        foreach ($t in $toxics) { $t.Connections | Should -Be 1 }
    }
}

Describe 'Toxic and outage cmdlets' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../module/TcpLbModule.psd1') -Force
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    }

    AfterEach {
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
    }

    It 'Add, Get, Set and Remove a toxic, each change an event on the balancer job' {
        $b = Start-TcpBackend -Port 0
        $lb = Start-TcpBalancer -Port 0 -Backend $b -Name tox -HealthCheckInterval 0
        $added = Add-TcpBalancerToxic -Name tox -Type Latency -Latency 100 -Jitter 10 -Direction Upstream -Toxicity 0.25 -PassThru
        $changed = Set-TcpBalancerToxic -Name tox -ToxicName latency_upstream -Latency 20 -Toxicity 1 -PassThru
        $listed = @(Get-TcpBalancerToxic -Name tox)
        Remove-TcpBalancerToxic -Name tox -ToxicName 'latency_*'
        $after = @(Get-TcpBalancerToxic -Job $lb)
        $events = @(Receive-Job $lb | Where-Object { $_ -is [TcpLbModule.Jobs.TcpBalancerToxicEvent] })

        $added.ToxicName | Should -BeExactly 'latency_upstream'
        $added.Type.ToString() | Should -BeExactly 'Latency'
        $added.Direction.ToString() | Should -BeExactly 'Upstream'
        $added.Toxicity | Should -Be 0.25
        $added.Latency | Should -Be 100
        $added.Jitter | Should -Be 10
        $changed.Latency | Should -Be 20
        $changed.Jitter | Should -Be 10
        $changed.Toxicity | Should -Be 1
        $listed | Should -HaveCount 1
        $after | Should -HaveCount 0
        $events.Change | Should -Be @('added', 'changed', 'removed')
        $events[0].Toxic | Should -BeExactly 'latency_upstream'
    }

    It 'A toxic limited to one backend touches only its connections' {
        $b1, $b2 = Start-TcpBackend -Port 0, 0
        $lb = Start-TcpBalancer -Port 0 -Backend $b1, $b2 -HealthCheckInterval 0 -NoReplay
        Add-TcpBalancerToxic -Job $lb -Type ResetPeer -Backend $b2 -ToxicName cut
        $results = @(Invoke-TcpProbe -Port $lb.Port -Count 6)

        @($results | Where-Object { $_.Status.ToString() -eq 'Success' }).Count | Should -Be 3
        @($results | Where-Object { $_.Status.ToString() -eq 'Reset' }).Count | Should -Be 3
        foreach ($r in $results | Where-Object { $_.Status.ToString() -eq 'Success' }) { [int] $r.Backend | Should -Be $b1.Port }
        $status = @(Get-TcpBalancerBackend -Job $lb)
        ($status | Where-Object Port -eq $b1.Port).ToxicConnections | Should -Be 0
        ($status | Where-Object Port -eq $b2.Port).ToxicConnections | Should -Be 3
        (Get-TcpBalancerToxic -Job $lb -ToxicName cut).Backend | Should -BeExactly "127.0.0.1:$($b2.Port)"
    }

    It 'Set-TcpBalancerOutage refuses, holds and resets on a port it keeps, then balances again' {
        $b = Start-TcpBackend -Port 0
        $lb = Start-TcpBalancer -Port 0 -Backend $b -Name down -HealthCheckInterval 0

        Set-TcpBalancerOutage -Name down -Mode Refuse
        $refused = Invoke-TcpProbe -Port $lb.Port -Count 1
        $portHeld = -not (Test-PortFree $lb.Port)
        Set-TcpBalancerOutage -Job $lb -Mode Hold
        $held = Invoke-TcpProbe -Port $lb.Port -Count 1 -Timeout 700
        Set-TcpBalancerOutage -Job $lb -Mode Reset
        $reset = Invoke-TcpProbe -Port $lb.Port -Count 1
        $outage = (Set-TcpBalancerOutage -Job $lb -Mode None -PassThru).Outage.ToString()
        $healed = @(Invoke-TcpProbe -Port $lb.Port -Count 2)
        $events = @(Receive-Job $lb | Where-Object { $_ -is [TcpLbModule.Jobs.TcpBalancerOutageEvent] })

        $refused.Status.ToString() | Should -BeExactly 'Refused'
        $portHeld | Should -BeTrue
        $held.Status.ToString() | Should -BeExactly 'Timeout'
        $reset.Status.ToString() | Should -BeExactly 'Reset'
        $outage | Should -BeExactly 'None'
        foreach ($r in $healed) { $r.Status.ToString() | Should -BeExactly 'Success' }
        $b.ConnectionsAccepted | Should -Be 2
        $lb.Failed | Should -Be 2
        ($events | ForEach-Object { $_.Outage.ToString() }) | Should -Be @('Refuse', 'Hold', 'Reset', 'None')
    }

    It 'A held client is let go when the outage ends' {
        $b = Start-TcpBackend -Port 0
        $lb = Start-TcpBalancer -Port 0 -Backend $b -HealthCheckInterval 0
        Set-TcpBalancerOutage -Job $lb -Mode Hold
        $probe = Invoke-TcpProbe -Port $lb.Port -Count 1 -Timeout 20000 -AsJob
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        while ($lb.Failed -lt 1 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
        Set-TcpBalancerOutage -Job $lb -Mode None
        $result = Wait-Job $probe -Timeout 20 | Receive-Job

        $lb.Failed | Should -Be 1
        $result.Status.ToString() | Should -BeExactly 'Reset'
        $result.Latency.TotalSeconds | Should -BeLessThan 15
    }

    It 'Bad toxic input is a terminating error that names it and starts nothing' {
        $b = Start-TcpBackend -Port 0
        $lb = Start-TcpBalancer -Port 0 -Backend $b -HealthCheckInterval 0
        Add-TcpBalancerToxic -Job $lb -Type Latency -Latency 10
        $jobsBefore = @(Get-Job).Count

        { Add-TcpBalancerToxic -Job $lb -Type Latency -Rate 10 } | Should -Throw -ErrorId 'InvalidToxic,TcpLbModule.Commands.AddTcpBalancerToxicCommand' -ExpectedMessage '*-Rate does not apply to a Latency toxic*'
        { Add-TcpBalancerToxic -Job $lb -Type Latency -Latency 20 } | Should -Throw -ErrorId 'ToxicNameInUse,TcpLbModule.Commands.AddTcpBalancerToxicCommand' -ExpectedMessage "*latency_downstream*"
        { Add-TcpBalancerToxic -Job $lb -Type Bandwidth } | Should -Throw -ErrorId 'InvalidToxic,TcpLbModule.Commands.AddTcpBalancerToxicCommand' -ExpectedMessage '*Rate*'
        { Add-TcpBalancerToxic -Job $lb -Type ResetPeer -Backend 1 } | Should -Throw -ErrorId 'BackendNotFound,TcpLbModule.Commands.AddTcpBalancerToxicCommand'
        { Set-TcpBalancerToxic -Job $lb -ToxicName nosuch -Latency 5 -ErrorAction Stop } | Should -Throw -ErrorId 'ToxicNotFound,TcpLbModule.Commands.SetTcpBalancerToxicCommand' -ExpectedMessage "*nosuch*latency_downstream*"
        { Set-TcpBalancerToxic -Job $lb -ToxicName latency_downstream } | Should -Throw -ErrorId 'NothingToChange,TcpLbModule.Commands.SetTcpBalancerToxicCommand'
        { Remove-TcpBalancerToxic -Job $lb -ToxicName nosuch -ErrorAction Stop } | Should -Throw -ErrorId 'ToxicNotFound,TcpLbModule.Commands.RemoveTcpBalancerToxicCommand'
        { Start-TcpBalancer -Port 0 -Backend $b -Toxic @{ Type = 'Slicer'; AverageSize = 10; Bogus = 1 } } | Should -Throw -ErrorId 'InvalidToxic,TcpLbModule.Commands.StartTcpBalancerCommand' -ExpectedMessage "*'Bogus'*"
        { Start-TcpBalancer -Port 0 -Backend $b -Toxic @{ Type = 'Poison' } } | Should -Throw -ErrorId 'InvalidToxic,TcpLbModule.Commands.StartTcpBalancerCommand' -ExpectedMessage "*'Poison'*Latency*"
        { Start-TcpBalancer -Port 0 -Backend $b -Toxic @{ Latency = 5 } } | Should -Throw -ErrorId 'InvalidToxic,TcpLbModule.Commands.StartTcpBalancerCommand' -ExpectedMessage '*needs a Type*'
        { Start-TcpBalancer -Port 0 -Backend $b -Toxic @{ Type = 'Latency'; Backend = 1 } } | Should -Throw -ErrorId 'InvalidToxic,TcpLbModule.Commands.StartTcpBalancerCommand' -ExpectedMessage '*not one of the balancer*'
        @(Get-Job).Count | Should -Be $jobsBefore
        @(Get-TcpBalancerToxic -Job $lb) | Should -HaveCount 1
    }
}
