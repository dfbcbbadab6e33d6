# Start-TcpBalancerDashboard: the HTTP host and its job, /metrics checked by promtool and scraped by
# a real Prometheus (Debian's prometheus package, started here on loopback), toxiproxy's API driven
# by toxiproxy's own Node client (tests/node, npm ci), and the status page in a real headless
# Chromium. The tests fail, never skip, when a program is missing; .ci/run installs them.
# Needs the built module (dotnet build); ./build.ps1 -Task Test runs every file under Pester 5 or 6.

BeforeDiscovery {
    $script:artefacts = Join-Path $PSScriptRoot '../TestResults'
}

Describe 'Start-TcpBalancerDashboard' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../module/TcpLbModule.psd1') -Force
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

        # Dashboard tests: an HTTP request whose status is returned rather than thrown.
        function Invoke-Dashboard([string] $Uri, [string] $Method = 'GET', [string] $Body, [hashtable] $Headers = @{}) {
            $request = @{ Uri = $Uri; Method = $Method; SkipHttpErrorCheck = $true; Headers = $Headers; TimeoutSec = 30 }
            if ($Body) { $request.Body = $Body; $request.ContentType = 'application/json' }
            Invoke-WebRequest @request
        }

        $script:backends = 0, 0 | Start-TcpBackend
        $script:lb = Start-TcpBalancer -Port 0 -Backend $backends -Name 'web'
    }

    AfterAll {
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
    }

    It 'starts as a job with its Uri on loopback, serves the page, and Stop-Job frees its port' {
        $dashboard = Start-TcpBalancerDashboard -Port 0 -WarningVariable warnings
        $dashboard.State | Should -Be 'Running'
        $dashboard.PSJobTypeName | Should -Be 'TcpBalancerDashboard'
        $dashboard.Port | Should -BeGreaterThan 0
        $dashboard.Uri | Should -BeExactly "http://127.0.0.1:$($dashboard.Port)/"
        $dashboard.ToxiproxyApi | Should -BeFalse
        $warnings | Should -BeNullOrEmpty
        Get-Job -Id $dashboard.Id | Should -Be $dashboard

        $page = Invoke-Dashboard $dashboard.Uri
        $page.StatusCode | Should -Be 200
        $page.Headers['Content-Type'] | Should -BeLike 'text/html*'
        $page.Content | Should -BeLike '*<title>*TcpLb*'

        Test-PortFree $dashboard.Port | Should -BeFalse
        $dashboard | Stop-Job
        $dashboard.State | Should -Be 'Stopped'
        Test-PortFree $dashboard.Port | Should -BeTrue
    }

    It 'warns when it listens beyond loopback, and refuses toxiproxy''s API there' {
        $exposed = Start-TcpBalancerDashboard -Port 0 -ListenAddress 0.0.0.0 -WarningVariable warnings -WarningAction SilentlyContinue
        try {
            ($warnings -join ' ') | Should -BeLike '*beyond loopback*'
        }
        finally {
            $exposed | Stop-Job
        }
        { Start-TcpBalancerDashboard -Port 0 -ListenAddress 0.0.0.0 -ToxiproxyApi } |
            Should -Throw -ErrorId 'ToxiproxyApiNotLoopback,TcpLbModule.Commands.StartTcpBalancerDashboardCommand' -ExpectedMessage '*loopback only*0.0.0.0*'
    }

    It 'says so when toxiproxy''s API is on' {
        $api = Start-TcpBalancerDashboard -Port 0 -ToxiproxyApi -WarningVariable warnings -WarningAction SilentlyContinue
        try {
            $api.ToxiproxyApi | Should -BeTrue
            ($warnings -join ' ') | Should -BeLike "*toxiproxy's API is on at $($api.Uri)*"
            (Invoke-Dashboard "$($api.Uri)version").Content | Should -BeLike '*"version":"2.*'
        }
        finally {
            $api | Stop-Job
        }
    }

    It 'answers bad requests with an HTTP error that says why, and no CORS header' {
        $dashboard = Start-TcpBalancerDashboard -Port 0
        try {
            $missing = Invoke-Dashboard "$($dashboard.Uri)nothing-here"
            $missing.StatusCode | Should -Be 404
            $missing.Content | Should -BeLike '*Nothing at /nothing-here*/metrics*'

            $post = Invoke-Dashboard "$($dashboard.Uri)metrics" -Method POST -Body '{}'
            $post.StatusCode | Should -Be 405
            ($post.Headers['Allow'] -join ', ') | Should -Be 'GET, HEAD'
            $post.Content | Should -BeLike '*POST is not allowed on /metrics*'

            $off = Invoke-Dashboard "$($dashboard.Uri)proxies"
            $off.StatusCode | Should -Be 404
            ($off.Content | ConvertFrom-Json).error | Should -BeLike "*toxiproxy's API*off*-ToxiproxyApi*"

            $crossSite = Invoke-Dashboard "$($dashboard.Uri)api/status" -Headers @{ Origin = 'http://evil.example' }
            $crossSite.StatusCode | Should -Be 403
            $crossSite.Content | Should -BeLike '*Cross-origin*evil.example*'

            $status = Invoke-Dashboard "$($dashboard.Uri)api/status" -Headers @{ Origin = $dashboard.Uri.TrimEnd('/') }
            $status.StatusCode | Should -Be 200
            foreach ($response in $missing, $post, $off, $crossSite, $status) {
                $response.Headers.Keys | Where-Object { $_ -like 'Access-Control-*' } | Should -BeNullOrEmpty
            }
            $lb.State | Should -Be 'Running' -Because 'a bad request never touches the balancer'
        }
        finally {
            $dashboard | Stop-Job
        }
    }

    It 'applies -AllowFrom and -DenyFrom to every request' {
        $denied = Start-TcpBalancerDashboard -Port 0 -DenyFrom 127.0.0.1
        $allowed = Start-TcpBalancerDashboard -Port 0 -AllowFrom 127.0.0.0/8
        try {
            $refused = Invoke-Dashboard "$($denied.Uri)metrics"
            $refused.StatusCode | Should -Be 403
            $refused.Content | Should -BeLike '*127.0.0.1 may not use this dashboard*deny 127.0.0.1*'
            (Invoke-Dashboard "$($allowed.Uri)metrics").StatusCode | Should -Be 200
        }
        finally {
            $denied, $allowed | Stop-Job
        }
        { Start-TcpBalancerDashboard -Port 0 -AllowFrom 'not-an-address' } | Should -Throw -ErrorId 'InvalidAccessRule,TcpLbModule.Commands.StartTcpBalancerDashboardCommand'
    }

    It 'serves /metrics that promtool accepts, with balancer and backend labels and a state set' {
        $promtool = (Get-Command promtool -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1).Source
        if (-not $promtool) { throw 'promtool is not installed: this test needs it (apt-get install -y prometheus).' }
        $dashboard = Start-TcpBalancerDashboard -Port 0
        try {
            Invoke-TcpProbe -Port $lb.Port -Count 4 | Where-Object Status -ne 'Success' | Should -BeNullOrEmpty
            Wait-Until { $lb.Served -ge 4 } | Should -BeTrue
            $metrics = Invoke-Dashboard "$($dashboard.Uri)metrics"
            $metrics.StatusCode | Should -Be 200
            $metrics.Headers['Content-Type'] | Should -Be 'text/plain; version=0.0.4; charset=utf-8'
            $text = [string]$metrics.Content
            $check = $text | & $promtool check metrics 2>&1
            $LASTEXITCODE | Should -Be 0 -Because ($check -join "`n")
            $text | Should -Match ('(?m)^tcplb_balancer_connections_accepted_total\{balancer="web"\} ' + $lb.Accepted + '$')
            foreach ($backend in $backends) {
                $text | Should -Match ('(?m)^tcplb_backend_state\{balancer="web",backend="127\.0\.0\.1:' + $backend.Port + '",state="Up"\} 1$')
                $text | Should -Match ('(?m)^tcplb_backend_state\{balancer="web",backend="127\.0\.0\.1:' + $backend.Port + '",state="Down"\} 0$')
                $text | Should -Match ('(?m)^tcplb_backend_connections_total\{balancer="web",backend="127\.0\.0\.1:' + $backend.Port + '"\} 2$')
            }
        }
        finally {
            $dashboard | Stop-Job
        }
    }
    It 'starts in a detached balancer''s process with -Server, shows that balancer, and ends with it' {
        $name = 'dash-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $detached = Start-TcpBalancer -Detached -Port 0 -Backend $backends[0].Port -Name $name
        try {
            $remote = Get-TcpBalancer -Name $name | Start-TcpBalancerDashboard -Port 0
            $remote.Balancer | Should -Be $name
            $remote.Pid | Should -Be $detached.Pid
            $remote.Uri | Should -BeExactly "http://127.0.0.1:$($remote.Port)/"
            Invoke-TcpProbe -Port $detached.Port -Count 3 | Where-Object Status -ne 'Success' | Should -BeNullOrEmpty
            $status = Invoke-RestMethod "$($remote.Uri)api/status"
            @($status.balancers).name | Should -Be @($name) -Because 'the detached process has its balancer only'
            Wait-Until { (Invoke-RestMethod "$($remote.Uri)api/status").balancers[0].served -ge 3 } | Should -BeTrue
            { Get-TcpBackend -Name $name -ErrorAction Stop } | Should -Throw
        }
        finally {
            Stop-TcpBalancer -Name $name
        }
        Test-PortFree $remote.Port | Should -BeTrue -Because 'the dashboard ends with its balancer'
    }

    It 'Watch-TcpBalancer draws a table of every backend with its rate, frame after frame' {
        $probes = Invoke-TcpProbe -Port $lb.Port -Count 200000 -AsJob
        try {
            Wait-Until { $lb.Accepted -gt 0 } | Should -BeTrue
            $frames = (Watch-TcpBalancer -Name 'w*' -Count 2 -Interval 300 6>&1) -join "`n"
        }
        finally {
            $probes | Stop-Job
        }
        ([regex]::Matches($frames, 'Watch-TcpBalancer ')).Count | Should -Be 2
        $frames | Should -Match '(?m)^Balancer +Backend +State +Weight +Active +Conn/s +Bytes/s +Total +Failures$'
        $frames | Should -Match ('(?m)^web +127\.0\.0\.1:' + $backends[0].Port + ' +Up +1 ')
        $frames | Should -Match ('(?m)^ +127\.0\.0\.1:' + $backends[1].Port + ' +Up +1 +\d+ +[1-9][0-9]*\.\d ') -Because 'the second frame has a connection rate'
        (Watch-TcpBalancer -Name 'nothing*' -Count 1 6>&1) -join "`n" | Should -BeLike '*No running balancer of this process matches.*'
    }
}

Describe 'Metrics scraped by a real Prometheus' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../module/TcpLbModule.psd1') -Force
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

        $prometheusExe = (Get-Command prometheus -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1).Source
        if (-not $prometheusExe) { throw 'prometheus is not installed: this test needs it (apt-get install -y prometheus).' }

        $script:backends = 0, 0 | Start-TcpBackend
        $script:lb = Start-TcpBalancer -Port 0 -Backend $backends -Name 'scraped'
        $script:dashboard = Start-TcpBalancerDashboard -Port 0

        $script:root = Join-Path ([System.IO.Path]::GetTempPath()) ('tcplb-prometheus-' + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path (Join-Path $root 'data') -Force | Out-Null
        $config = Join-Path $root 'prometheus.yml'
        @"
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: tcplb
    static_configs:
      - targets: ['127.0.0.1:$($dashboard.Port)']
"@ | Set-Content -LiteralPath $config
        $script:prometheusPort = Get-FreePort
        $script:prometheus = Start-Process -FilePath $prometheusExe -PassThru `
            -RedirectStandardError (Join-Path $root 'prometheus.log') -RedirectStandardOutput (Join-Path $root 'prometheus.out') `
            -ArgumentList "--config.file=$config", "--storage.tsdb.path=$(Join-Path $root 'data')", "--web.listen-address=127.0.0.1:$prometheusPort"
        $script:api = "http://127.0.0.1:$prometheusPort/api/v1"

        # Dashboard tests: a PromQL instant query over Prometheus' HTTP API; the result vector.
        function Invoke-PromQL([string] $Query) {
            $answer = Invoke-RestMethod -Uri "$api/query" -Body @{ query = $Query } -TimeoutSec 10
            $answer.status | Should -Be 'success'
            , @($answer.data.result)
        }
    }

    AfterAll {
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
        if ($prometheus -and -not $prometheus.HasExited) {
            $prometheus.Kill($true)
            $prometheus.WaitForExit(10000) | Out-Null
        }
        if ($root) { Remove-Item -Recurse -Force $root -ErrorAction SilentlyContinue }
    }

    It 'scrapes the dashboard, and a PromQL query returns the rate the probes made' {
        $targetUp = Wait-Until -Seconds 60 {
            try {
                $targets = Invoke-RestMethod -Uri "$api/targets" -TimeoutSec 5
                @($targets.data.activeTargets | Where-Object { $_.health -eq 'up' }).Count -eq 1
            }
            catch { $false }
        }
        $log = if (Test-Path (Join-Path $root 'prometheus.log')) { Get-Content -Raw (Join-Path $root 'prometheus.log') }
        $targetUp | Should -BeTrue -Because "Prometheus scrapes $($dashboard.MetricsUri) (its log: $log)"

        # Rounds of 10 probes (bounded: 60 s at most) until Prometheus, scraping every second, sees a rate.
        $query = 'sum(rate(tcplb_balancer_connections_accepted_total{balancer="scraped"}[10s]))'
        $rate = 0
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while ($rate -le 0 -and [DateTime]::UtcNow -lt $deadline) {
            Invoke-TcpProbe -Port $lb.Port -Count 10 | Where-Object Status -ne 'Success' | Should -BeNullOrEmpty
            $result = Invoke-PromQL $query
            if ($result.Count -eq 1) { $rate = [double]$result[0].value[1] }
        }
        $rate | Should -BeGreaterThan 0 -Because 'the probes made connections while Prometheus scraped'

        # Once the probes stop, the scraped totals settle on the balancer's own counts: accepted, and
        # the backends' totals summing to it (a backend counts a connection at its first byte, which
        # the client may see a moment before the count: so both are waited for, in one scrape).
        $accepted = $lb.Accepted
        $script:backendSum = $null
        Wait-Until -Seconds 30 {
            $total = Invoke-PromQL 'tcplb_balancer_connections_accepted_total{balancer="scraped"}'
            $perBackend = Invoke-PromQL 'tcplb_backend_connections_total{balancer="scraped"}'
            $script:backendSum = ($perBackend | ForEach-Object { [long]$_.value[1] } | Measure-Object -Sum).Sum
            $total.Count -eq 1 -and [long]$total[0].value[1] -eq $accepted -and $perBackend.Count -eq 2 -and $script:backendSum -eq $accepted
        } | Should -BeTrue -Because "Prometheus' last scrape shows the balancer's $accepted accepted connections, and its backends' totals sum to them (last seen: $script:backendSum)"
        (Invoke-PromQL 'sum(tcplb_backend_state{balancer="scraped",state="Up"})')[0].value[1] | Should -Be '2'
    }
}

Describe "toxiproxy's API driven by toxiproxy-node-client" {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../module/TcpLbModule.psd1') -Force
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force

        $script:node = (Get-Command node -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1).Source
        if (-not $node) { throw 'node is not installed: this test needs Node.js 18 or later.' }
        $script:nodeDir = Join-Path $PSScriptRoot 'node'
        if (-not (Test-Path (Join-Path $nodeDir 'node_modules/toxiproxy-node-client/package.json'))) {
            throw "toxiproxy-node-client is not installed: run 'npm ci' in $nodeDir (.ci/run does)."
        }
        $script:backend = Start-TcpBackend -Port 0
        $script:lb = Start-TcpBalancer -Port 0 -Backend $backend -Name 'web'
        $script:dashboard = Start-TcpBalancerDashboard -Port 0 -ToxiproxyApi -WarningAction SilentlyContinue
    }

    AfterAll {
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
    }

    It 'creates a proxy for a running backend, adds latency and sees the delay, removes it and sees it gone, lists and resets' {
        $output = & $node (Join-Path $nodeDir 'toxiproxy-client.js') $dashboard.Uri.TrimEnd('/') $backend.Port 'web' 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $seen = ($output | Select-Object -Last 1) | ConvertFrom-Json
        Write-Host "Page check (first and last reading): $($output | Select-Object -Last 1)"
        $reply = "Response from server running on port $($backend.Port)"

        $seen.version | Should -BeLike '*2.*'
        $seen.created.name | Should -Be 'node_proxy'
        $seen.created.listen | Should -Match '^127\.0\.0\.1:[1-9][0-9]*$'
        $seen.created.upstream | Should -Be "127.0.0.1:$($backend.Port)"
        $seen.created.enabled | Should -BeTrue
        $seen.duplicate | Should -BeLike '*409*'
        $seen.baseline.reply | Should -Be $reply

        $seen.toxic.type | Should -Be 'latency'
        $seen.toxic.attributes.latency | Should -Be 1500
        $seen.delayed.reply | Should -Be $reply
        $seen.delayed.ms | Should -BeGreaterOrEqual 1450 -Because 'a 1500 ms latency toxic delays the reply'
        $seen.fetchedToxic.attributes.latency | Should -Be 1500
        $seen.updatedToxic.attributes.latency | Should -Be 1200

        @($seen.toxicsAfterRemove).Count | Should -Be 0
        $seen.afterRemove.reply | Should -Be $reply
        $seen.afterRemove.ms | Should -BeLessThan 1200 -Because 'the toxic is gone'
        $seen.missingToxic | Should -BeLike '*404*'
        $seen.badToxic | Should -BeLike '*400*'

        $seen.listed | Should -Be @('node_proxy', 'web')
        $seen.existing.upstream | Should -Be "127.0.0.1:$($backend.Port)"
        $seen.existing.listen | Should -Be "127.0.0.1:$($lb.Port)"

        $seen.disabled.enabled | Should -BeFalse
        $seen.whileDisabled.error | Should -Be 'ECONNREFUSED'
        $seen.afterReset.enabled | Should -BeTrue
        @($seen.afterReset.toxics).Count | Should -Be 0 -Because 'reset removes every toxic'
        $seen.afterResetTrip.reply | Should -Be $reply

        $seen.populated | Should -Be @('node_populated', 'node_proxy')
        $seen.populatedTrip.reply | Should -Be $reply
        $seen.removed | Should -BeLike '*404*'
        $seen.listedAfterRemove | Should -Be @('web')
    }

    It 'shows proxies the API made as balancer jobs, and acts on the balancers the cmdlets started' {
        $answer = Invoke-RestMethod -Method Post -Uri "$($dashboard.Uri)proxies" -ContentType 'application/json' `
            -Body (@{ name = 'from_api'; listen = '127.0.0.1:0'; upstream = "127.0.0.1:$($backend.Port)" } | ConvertTo-Json)
        $job = Get-Job -Name 'from_api'
        $job.PSJobTypeName | Should -Be 'TcpBalancer'
        "127.0.0.1:$($job.Port)" | Should -Be $answer.listen
        (Invoke-TcpProbe -Port $job.Port -Count 1).Backend | Should -Be $backend.Port

        Invoke-RestMethod -Method Post -Uri "$($dashboard.Uri)proxies/web/toxics" -ContentType 'application/json' `
            -Body '{"type":"bandwidth","stream":"upstream","attributes":{"rate":64}}' | Out-Null
        $toxic = Get-TcpBalancerToxic -Job $lb
        $toxic.ToxicName | Should -Be 'bandwidth_upstream'
        $toxic.Type | Should -Be 'Bandwidth'

        Invoke-RestMethod -Method Delete -Uri "$($dashboard.Uri)proxies/from_api" | Out-Null
        Get-Job -Name 'from_api' -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Invoke-RestMethod -Method Post -Uri "$($dashboard.Uri)reset" | Out-Null
        Get-TcpBalancerToxic -Job $lb | Should -BeNullOrEmpty
    }

    It 'refuses a bad request with toxiproxy''s error shape and a reason' {
        $cases = @(
            @{ Path = 'proxies'; Body = '{"listen":"127.0.0.1:0","upstream":"127.0.0.1:1"}'; Status = 400; Error = '*missing required field: name*' }
            @{ Path = 'proxies'; Body = '{"name":"x","listen":"0.0.0.0:0","upstream":"127.0.0.1:1"}'; Status = 400; Error = '*not on loopback*' }
            @{ Path = 'proxies'; Body = '{"name":"x","upstream":"nowhere"}'; Status = 400; Error = "*upstream 'nowhere'*" }
            @{ Path = 'proxies'; Body = '{not json'; Status = 400; Error = '*not valid JSON*' }
            @{ Path = 'proxies/web/toxics'; Body = '{"type":"latency","attributes":{"latency":-5}}'; Status = 400; Error = "*attribute 'latency'*" }
            @{ Path = 'proxies/web/toxics'; Body = '{"type":"latency","attributes":{"rate":5}}'; Status = 400; Error = "*unknown attribute 'rate'*latency*" }
            @{ Path = 'proxies/nope/toxics'; Body = '{"type":"latency"}'; Status = 404; Error = '*proxy not found*' }
        )
        foreach ($case in $cases) {
            $response = Invoke-WebRequest -Method Post -Uri "$($dashboard.Uri)$($case.Path)" -ContentType 'application/json' -Body $case.Body -SkipHttpErrorCheck
            $response.StatusCode | Should -Be $case.Status -Because "POST /$($case.Path) $($case.Body)"
            $error = $response.Content | ConvertFrom-Json
            $error.status | Should -Be $case.Status
            $error.error | Should -BeLike $case.Error
        }
        $lb.State | Should -Be 'Running'
    }
}

Describe 'The status page in a real headless Chromium' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../module/TcpLbModule.psd1') -Force
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force

        $script:chromium = (Get-Command chromium, chromium-browser -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1).Source
        if (-not $chromium) { throw 'chromium is not installed: this test needs it (apt-get install -y chromium).' }
        $script:node = (Get-Command node -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1).Source
        if (-not $node) { throw 'node is not installed: this test needs Node.js 20 or later (it drives Chromium over the DevTools protocol).' }
        # WebSocket (for the DevTools protocol) is built into Node 22; Node 20 has it behind a flag.
        $nodeMajor = [int](((& $node --version) -replace '^v', '') -split '\.')[0]
        if ($nodeMajor -lt 20) { throw "node $(& $node --version) is too old: this test needs Node.js 20 or later (WebSocket for the DevTools protocol)." }
        $script:nodeFlags = @(if ($nodeMajor -lt 22) { '--experimental-websocket' })

        $script:backends = 0, 0, 0 | Start-TcpBackend
        $script:web = Start-TcpBalancer -Port 0 -Backend $backends -Name 'web' -HealthCheckInterval 500
        $script:api = Start-TcpBalancer -Port 0 -Backend $backends[0] -Name 'api'
        Add-TcpBalancerToxic -Job $api -Type Latency -Latency 5 | Out-Null
        $script:dashboard = Start-TcpBalancerDashboard -Port 0
        $script:artefacts = Join-Path $PSScriptRoot '../TestResults'
        New-Item -ItemType Directory -Path $artefacts -Force | Out-Null
    }

    AfterAll {
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
    }

    It 'loads without console errors, shows every backend, and its counters and chart move while probes run' {
        # A backend that goes Down after the dashboard's first sample: the chart marks the change.
        $backends[2] | Stop-Job
        Wait-TcpBalancerBackend -Job $web -Backend "127.0.0.1:$($backends[2].Port)" -State Down -Timeout 30000 | Out-Null
        # Probes run through both balancers while the page is open (bounded in count; stopped after).
        $probes = @(
            Invoke-TcpProbe -Port $web.Port -Count 200000 -AsJob
            Invoke-TcpProbe -Port $api.Port -Count 200000 -AsJob
        )
        $screenshot = Join-Path $artefacts 'dashboard.png'
        try {
            $output = & $node @nodeFlags (Join-Path $PSScriptRoot 'node/page-check.js') $chromium $dashboard.Uri $screenshot 120 2>&1
        }
        finally {
            $probes | Stop-Job
        }
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $seen = ($output | Select-Object -Last 1) | ConvertFrom-Json
        Write-Host "Page check (first and last reading): $($output | Select-Object -Last 1)"

        $seen.problems | Should -BeNullOrEmpty -Because 'the page logs nothing and loads everything it asks for'
        $seen.last.external | Should -BeNullOrEmpty -Because 'the page loads nothing from another origin'
        $seen.last.background | Should -Be 'rgb(15, 20, 25)' -Because 'the theme is dark'
        $seen.last.balancers | Should -Be @('web', 'api')
        $shown = $seen.last.rows | ForEach-Object { "$($_.balancer) $($_.backend)" }
        $expected = @($backends | ForEach-Object { "web 127.0.0.1:$($_.Port)" }) + "api 127.0.0.1:$($backends[0].Port)"
        $shown | Should -Be $expected
        $seen.last.updates | Should -BeGreaterThan $seen.first.updates -Because 'the page updates itself without a reload'
        foreach ($row in $seen.last.rows) {
            if ($row.backend -eq "127.0.0.1:$($backends[2].Port)" -and $row.balancer -eq 'web') {
                $row.state | Should -Be 'Down'
                continue
            }
            $row.state | Should -Be 'Up'
            $row.total | Should -BeGreaterThan $row.first -Because "$($row.balancer) $($row.backend)'s total moves while probes run"
        }
        $seen.last.chartSeries | Should -Be 4 -Because 'the chart has a line per backend'
        $seen.last.chartMarks | Should -BeGreaterOrEqual 1 -Because 'the chart marks the backend that went Down'
        (Get-Item $screenshot).Length | Should -BeGreaterThan 10KB -Because "the screenshot is kept as $screenshot"
    }
}
