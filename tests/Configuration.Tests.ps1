# Configuration files through the cmdlets: Start-TcpBalancer -ConfigurationPath (psd1, JSON, TOML;
# one job per server, all or nothing, command-line overrides) and Export-TcpBalancerConfiguration
# (round trip in each format).
# Needs the built module (dotnet build); ./build.ps1 -Task Test runs every file under Pester 5 or 6.

Describe 'ConfigurationTests' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../module/TcpLbModule.psd1') -Force
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force

        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

        # ConfigurationTests.NewFile: a file of this text in the test drive.
        function New-ConfigFile {
            param([string] $Name, [string] $Text)
            $path = Join-Path $TestDrive $Name
            Set-Content -LiteralPath $path -Value $Text -NoNewline
            $path
        }

        # ConfigurationTests.Options: the options a balancer job runs with now.
        function Get-RunningOptions {
            param($Job)
            $Job.CurrentConfiguration()
        }

        # ConfigurationTests.AboutExample: an example file of about_TcpLbModule_Configuration, between its title line and the next title.
        function Get-AboutExample {
            param([string] $Title)
            $lines = Get-Content -LiteralPath (Join-Path $PSScriptRoot '../module/en-US/about_TcpLbModule_Configuration.help.txt')
            $start = [array]::IndexOf($lines, "  $Title")
            $start | Should -BeGreaterThan 0 -Because "the about topic has the example '$Title'"
            $block = foreach ($line in $lines[($start + 1)..($lines.Count - 1)]) {
                if ($line -match '^  \S') { break }
                $line
            }
            # The file is indented 8 spaces; the prose around it, 4.
            $code = $block | Where-Object { $_.Trim() -eq '' -or $_.StartsWith('        ') } | ForEach-Object { if ($_.Length -ge 8) { $_.Substring(8) } else { '' } }
            ($code -join "`n").Trim() + "`n"
        }
    }

    AfterEach {
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
    }

    It 'Starts the seed''s TOML file as written (its addresses moved to free ports)' {
        $backends = Start-TcpBackend 0, 0
        $seed = @"
[[server]]
listen = "127.0.0.1:0"

[[server.forward]]
algorithm = "WRR"
backends = [
    { address = "127.0.0.1:$($backends[0].Port)" },
    { address = "127.0.0.1:$($backends[1].Port)", weight = 3 },
]
"@
        $path = New-ConfigFile 'seed.toml' $seed

        $lb = @(Start-TcpBalancer -ConfigurationPath $path)

        $lb | Should -HaveCount 1
        $lb[0].Name | Should -BeExactly "TcpBalancer:$($lb[0].Port)"
        $lb[0].Backends | Should -Be @("127.0.0.1:$($backends[0].Port)", "127.0.0.1:$($backends[1].Port)")
        $options = Get-RunningOptions $lb[0]
        $options.Algorithm | Should -Be 'WeightedRoundRobin'
        @($options.Backends | ForEach-Object Weight) | Should -Be @(1, 3)
        $results = @(Invoke-TcpProbe -Port $lb[0].Port -Count 8)
        @($results | Where-Object Status -ne 'Success') | Should -HaveCount 0
        # Weights 1 and 3: any eight connections in a row are two whole turns of four.
        @($results | Where-Object Backend -eq $backends[0].Port) | Should -HaveCount 2
        @($results | Where-Object Backend -eq $backends[1].Port) | Should -HaveCount 6
    }

    It 'A TOML file''s toxics and deny_from are in force from the first connection' {
        $backend = Start-TcpBackend 0
        $path = New-ConfigFile 'toxic.toml' @"
[[server]]
listen = "127.0.0.1:0"
deny_from = ["127.0.0.3"]

[server.forward]
backends = ["127.0.0.1:$($backend.Port)"]
toxics = [{ type = "LimitData", name = "cut", bytes = 5 }]
"@

        $lb = Start-TcpBalancer -ConfigurationPath $path
        $null = Invoke-TcpProbe -Port $lb.Port -Count 1

        $toxics = @(Get-TcpBalancerToxic -Job $lb)
        ($toxics | ForEach-Object { "$($_.ToxicName) $($_.Type) $($_.Connections)" }) -join '; ' | Should -Be 'cut LimitData 1'
        $rules = @(Get-TcpBalancerAccess $lb)
        ($rules | ForEach-Object { "$($_.Action) $($_.Range)" }) -join '; ' | Should -Be 'Deny 127.0.0.3'
    }

    It 'Starts one job per server, in each format: <Format>' -ForEach @(
        @{ Format = 'toml'; Text = "[[server]]`nname = 'cfg-a-{0}'`nlisten = 0`nforward = {{ backends = ['{1}'] }}`n`n[[server]]`nname = 'cfg-b-{0}'`nlisten = '127.0.0.1:0'`n[server.forward]`nbackends = ['{2}']`n" }
        @{ Format = 'json'; Text = "{{ `"server`": [ {{ `"name`": `"cfg-a-{0}`", `"listen`": 0, `"forward`": {{ `"backends`": [ `"{1}`" ] }} }},`n {{ `"name`": `"cfg-b-{0}`", `"listen`": `"127.0.0.1:0`", `"forward`": [ {{ `"backends`": [ {{ `"address`": `"{2}`" }} ] }} ] }} ] }}" }
        @{ Format = 'psd1'; Text = "@{{ Server = @(`n @{{ Name = 'cfg-a-{0}'; Listen = 0; Forward = @{{ Backends = @('{1}') }} }}`n @{{ Name = 'cfg-b-{0}'; Listen = '127.0.0.1:0'; Forward = @{{ Backends = @(@{{ Address = '{2}' }}) }} }}`n) }}" }
    ) {
        $backends = Start-TcpBackend 0, 0
        $path = New-ConfigFile "two.$Format" ($Text -f $Format, "127.0.0.1:$($backends[0].Port)", "127.0.0.1:$($backends[1].Port)")

        $lbs = @(Start-TcpBalancer -ConfigurationPath $path)

        $lbs | Should -HaveCount 2
        $lbs.Name | Should -Be @("cfg-a-$Format", "cfg-b-$Format")
        $lbs.State | Should -Be @('Running', 'Running')
        $lbs[0].Port | Should -Not -Be $lbs[1].Port
        (Invoke-TcpProbe -Port $lbs[0].Port -Count 1).Backend | Should -Be $backends[0].Port
        (Invoke-TcpProbe -Port $lbs[1].Port -Count 1).Backend | Should -Be $backends[1].Port
    }

    It 'Reads every key of a psd1 file' {
        $path = New-ConfigFile 'every.psd1' @'
@{
    Server = @(
        @{
            Name = 'every-psd1'
            Listen = '127.0.0.1:0'
            MaxConnections = 100
            QueueLength = 10
            QueueTimeout = '2s'
            IdleTimeout = 60000
            FinTimeout = '1m'
            Forward = @{
                Algorithm = 'LeastConn'
                Backends = @(
                    @{ Address = '127.0.0.1:9001'; Weight = 5; MaxConnections = 7 }
                    @{ address = '[::1]:9002'; backup = $true }
                    'localhost:9003;weight=2'
                )
                ConnectTimeout = '500ms'
                Retries = 2
                Replay = $false
                ResponseTimeout = '1.5s'
                connect_failure_limit = 4
                BackendMaxConnections = 50
                SlowStart = '1h'
                HealthCheck = @{
                    Interval = 750
                    Timeout = '250ms'
                    Rise = 3
                    Fall = 4
                    Send = "PING`r`n"
                    Expect = '+PONG'
                }
            }
        }
    )
}
'@
        $lb = Start-TcpBalancer -ConfigurationPath $path

        $lb.Name | Should -BeExactly 'every-psd1'
        $o = Get-RunningOptions $lb
        $o.ListenAddress.ToString() | Should -BeExactly '127.0.0.1'
        $o.MaxConnections | Should -Be 100
        $o.QueueLength | Should -Be 10
        $o.QueueTimeout.TotalMilliseconds | Should -Be 2000
        $o.IdleTimeout.TotalMilliseconds | Should -Be 60000
        $o.FinTimeout.TotalMilliseconds | Should -Be 60000
        $o.Algorithm | Should -Be 'LeastConnections'
        @($o.Backends | ForEach-Object { $_.ToString() }) | Should -Be @('127.0.0.1:9001;weight=5;max_connections=7', '[::1]:9002;backup', 'localhost:9003;weight=2')
        $o.ConnectTimeout.TotalMilliseconds | Should -Be 500
        $o.Retries | Should -Be 2
        $o.Replay | Should -BeFalse
        $o.ResponseTimeout.TotalMilliseconds | Should -Be 1500
        $o.ConnectFailuresBeforeDown | Should -Be 4
        $o.BackendMaxConnections | Should -Be 50
        $o.SlowStart.TotalHours | Should -Be 1
        $o.HealthCheck.Interval.TotalMilliseconds | Should -Be 750
        $o.HealthCheck.Timeout.TotalMilliseconds | Should -Be 250
        $o.HealthCheck.Rise | Should -Be 3
        $o.HealthCheck.Fall | Should -Be 4
        $o.HealthCheck.Send | Should -BeExactly "PING`r`n"
        $o.HealthCheck.ExpectPrefix | Should -BeExactly '+PONG'
    }

    It 'Parameters given on the command line override the file; those not given leave it' {
        $backends = Start-TcpBackend 0, 0
        $path = New-ConfigFile 'override.toml' @"
[[server]]
name = "from-file"
listen = "127.0.0.1:1"
max_connections = 11

[server.forward]
algorithm = "LC"
backends = ["127.0.0.1:9", "127.0.0.1:10;weight=4"]
retries = 7
connect_timeout = 900
health_check = { interval = 0 }
"@

        $lb = $backends | Start-TcpBalancer -ConfigurationPath $path -Port 0 -Retries 2 -Name overridden

        $lb.Name | Should -BeExactly 'overridden'
        $lb.Port | Should -Not -Be 1
        $lb.Backends | Should -Be @("127.0.0.1:$($backends[0].Port)", "127.0.0.1:$($backends[1].Port)")
        $o = Get-RunningOptions $lb
        $o.Retries | Should -Be 2
        $o.ConnectTimeout.TotalMilliseconds | Should -Be 900
        $o.MaxConnections | Should -Be 11
        $o.Algorithm | Should -Be 'LeastConnections'
        $o.HealthCheck.Interval | Should -Be ([TimeSpan]::Zero)
        $o.QueueLength | Should -Be 256 -Because 'a key the file leaves out keeps the default'
        (Invoke-TcpProbe -Port $lb.Port -Count 2).Status | Should -Be @('Success', 'Success')
    }

    It 'A -Name or a fixed -Port cannot apply to several servers, and nothing starts' {
        $path = New-ConfigFile 'two.toml' "[[server]]`nlisten = 0`nforward = { backends = ['9'] }`n[[server]]`nlisten = 0`nforward = { backends = ['10'] }`n"

        $err = { Start-TcpBalancer -ConfigurationPath $path -Name one } | Should -Throw -ErrorId 'NameWithSeveralServers,TcpLbModule.Commands.StartTcpBalancerCommand' -PassThru
        $err.Exception.Message | Should -BeExactly "-Name 'one' names one balancer, but $path defines 2 servers. Name each in the file (name = `"...`"), or leave -Name out."
        $err = { Start-TcpBalancer -ConfigurationPath $path -Port 8201 } | Should -Throw -ErrorId 'PortWithSeveralServers,TcpLbModule.Commands.StartTcpBalancerCommand' -PassThru
        $err.Exception.Message | Should -BeLikeExactly '-Port 8201 is one port, but * defines 2 servers. Give -Port 0*'
        { Start-TcpBalancer -ConfigurationPath $path -Detached } | Should -Throw -ErrorId 'DetachedWithSeveralServers,TcpLbModule.Commands.StartTcpBalancerCommand'
        @(Get-Job) | Should -HaveCount 0
    }

    It 'All or nothing: when the third server cannot start, the first two are stopped and the error names the file and server' {
        $holder = New-TcpSocket
        try {
            $holder.Bind([System.Net.IPEndPoint]::new([System.Net.IPAddress]::Loopback, 0))
            $holder.Listen(1)
            $busy = $holder.LocalEndPoint.Port
            $free1 = Get-FreePort
            $free2 = Get-FreePort
            $path = New-ConfigFile 'three.json' (@{ server = @(
                        @{ name = 'first'; listen = $free1; forward = @{ backends = @('9') } }
                        @{ name = 'second'; listen = $free2; forward = @{ backends = @('10') } }
                        @{ name = 'third'; listen = $busy; forward = @{ backends = @('11') } }
                    ) } | ConvertTo-Json -Depth 5)

            $err = { Start-TcpBalancer -ConfigurationPath $path } | Should -Throw -ErrorId 'PortInUse,TcpLbModule.Commands.StartTcpBalancerCommand' -PassThru

            $err.Exception.Message | Should -BeLikeExactly ("$path" + ': server`[2`] (''third''): *' + $busy + '*already in use* The 2 balancer(s) started before it were stopped.')
            @(Get-Job) | Should -HaveCount 0
            Test-PortFree $free1 | Should -BeTrue
            Test-PortFree $free2 | Should -BeTrue
        }
        finally {
            $holder.Dispose()
        }
    }

    It 'A bad file is a terminating error that names the file, line, key, value and what is accepted: <Case>' -ForEach @(
        @{ Case = 'malformed TOML'; Name = 'bad.toml'; Text = "[[server]]`nlisten = `"0.0.0.0:8200`n"
            Expected = '{0}, line 2: not valid TOML: Invalid newline in a string.' }
        @{ Case = 'malformed JSON'; Name = 'bad.json'; Text = "{`n  `"server`": [`n    { `"listen`": 0,, }`n  ]`n}"
            Expected = "{0}, line 3: not valid JSON: ',' is an invalid start of a property name. Expected a '`"'." }
        @{ Case = 'malformed psd1'; Name = 'bad.psd1'; Text = "@{`n  Server = @(`n    @{ Listen = 0 `n}"
            Expected = '{0}, line *: not a valid PowerShell data file: *' }
        @{ Case = 'unknown key'; Name = 'unknown.psd1'; Text = "@{`n  Server = @(`n    @{`n      Listen = 0`n      Forward = @{ Backends = @('9'); Retires = 2 }`n    }`n  )`n}"
            Expected = "{0}, line 5: Server[0].Forward.Retires: 'Retires' is not a known key. Did you mean 'retries'? Valid keys here: algorithm, backends, connect_timeout, retries, retry_on, replay, response_timeout, connect_failure_limit, backend_max_connections, slow_start, send_proxy_protocol, toxics, health_check." }
        @{ Case = 'wrong type'; Name = 'type.json'; Text = "{ `"server`": [ {`n  `"listen`": 0,`n  `"forward`": { `"backends`": [ `"9`" ], `"replay`": `"no`" } } ] }"
            Expected = '{0}, line 3: server[0].forward.replay: "no" is not valid (a string, not true or false). Accepted: true or false.' }
        @{ Case = 'code in a data file'; Name = 'code.psd1'; Text = "@{ Server = @( @{ Listen = 0; Name = (New-Item -Path '{1}') } ) }"
            Expected = "{0}, line 1: '(New-Item -Path '{1}')' is not a constant. A PowerShell data file is read without running it, so it may hold only strings, numbers, `$true, `$false, `$null, hashtables @{{ }} and arrays @( )." }
        @{ Case = 'nesting too deep'; Name = 'deep.toml'; Text = "[[server]]`nlisten = 0`nname = " + ('[' * 100) + (']' * 100) + "`n"
            Expected = "{0}, line 3: not valid TOML: values are nested deeper than 64 levels of arrays and inline tables. Accepted: at most 64 levels; a configuration needs a handful (server, forward, backends, one backend's settings), written as [[server]] and [server.forward] tables or shallow inline values." }
        @{ Case = 'psd1 nesting too deep'; Name = 'deep.psd1'; Text = "@{ Server = @( @{ Listen = 0`n Name = " + ('@(' * 100) + (')' * 100) + ' } ) }'
            Expected = "{0}, line 2: values are nested deeper than 64 levels of hashtables and arrays. Accepted: at most 64 levels; a configuration needs a handful (Server, Forward, Backends, one backend's settings)." }
        @{ Case = 'using module'; Name = 'using.psd1'; Text = "using module '{1}'`n@{ Server = @( @{ Listen = 0; Forward = @{ Backends = @('9') } } ) }"
            Expected = "{0}, line 1: 'using module '{1}'' is not accepted: a configuration file imports nothing. A PowerShell data file is read without running it, so it may hold only strings, numbers, `$true, `$false, `$null, hashtables @{{ }} and arrays @( ). Remove the line." }
        @{ Case = 'script block'; Name = 'block.psd1'; Text = "@{ Server = @( @{ Listen = 0`n Name = { New-Item -Path '{1}' }; Forward = @{ Backends = @('9') } } ) }"
            Expected = "{0}, line 2: '{ New-Item -Path '{1}' }' is a script block, which is not accepted (it would never run, and its text is no value). A PowerShell data file is read without running it, so it may hold only strings, numbers, `$true, `$false, `$null, hashtables @{{ }} and arrays @( )." }
    ) {
        $marker = Join-Path $TestDrive 'ran.txt'
        $path = New-ConfigFile $Name ($Text.Replace('{1}', $marker))

        $err = { Start-TcpBalancer -ConfigurationPath $path } | Should -Throw -ErrorId 'InvalidConfigurationFile,TcpLbModule.Commands.StartTcpBalancerCommand' -PassThru

        $expected = $Expected.Replace('{0}', $path).Replace('{1}', $marker).Replace('{{', '{').Replace('}}', '}')
        if ($expected.Contains('*')) { $err.Exception.Message | Should -BeLikeExactly $expected } else { $err.Exception.Message | Should -BeExactly $expected }
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        Test-Path $marker | Should -BeFalse -Because 'nothing in a data file runs'
        @(Get-Job) | Should -HaveCount 0
    }

    It 'A missing file or an unknown extension is a terminating error that says what is accepted' {
        $missing = Join-Path $TestDrive 'none.toml'
        $err = { Start-TcpBalancer -ConfigurationPath $missing } | Should -Throw -ErrorId 'ConfigurationFileNotFound,TcpLbModule.Commands.StartTcpBalancerCommand' -PassThru
        $err.Exception.Message | Should -BeExactly "The configuration file '$missing' does not exist."

        $ini = New-ConfigFile 'lb.ini' 'listen=0'
        $err = { Start-TcpBalancer -ConfigurationPath $ini } | Should -Throw -ErrorId 'InvalidConfigurationFile,TcpLbModule.Commands.StartTcpBalancerCommand' -PassThru
        $err.Exception.Message | Should -BeExactly "$ini`: '.ini' is not a configuration file extension. Accepted: .psd1 (a PowerShell data file), .json or .toml."
    }

    It 'A health-check parameter for a server whose file turns checks off is an error, as with -HealthCheckInterval 0' {
        $path = New-ConfigFile 'nochecks.toml' "[[server]]`nname = 'quiet'`nlisten = 0`n[server.forward]`nbackends = ['9']`nhealth_check = { interval = 0 }`n"

        $err = { Start-TcpBalancer -ConfigurationPath $path -Rise 4 } | Should -Throw -ErrorId 'HealthCheckParameterWithoutChecks,TcpLbModule.Commands.StartTcpBalancerCommand' -PassThru

        $err.Exception.Message | Should -BeExactly "-Rise cannot be used with server[0] ('quiet') of $path, whose health_check interval is 0: an interval of 0 turns health checks off, so it would have no effect. Remove it, or give -HealthCheckInterval (or the file's interval) a number of milliseconds greater than 0."
        @(Get-Job) | Should -HaveCount 0
        $lb = Start-TcpBalancer -ConfigurationPath $path -Rise 4 -HealthCheckInterval 500
        (Get-RunningOptions $lb).HealthCheck.Rise | Should -Be 4
    }

    It 'A server without backends in the file or on the command line is an error' {
        $path = New-ConfigFile 'empty.toml' "[[server]]`nname = 'lonely'`nlisten = 0`n"

        $err = { Start-TcpBalancer -ConfigurationPath $path } | Should -Throw -ErrorId 'NoBackends,TcpLbModule.Commands.StartTcpBalancerCommand' -PassThru

        $err.Exception.Message | Should -BeExactly "$path`: server[0] ('lonely') has no backends. Give them in its forward table (backends = [ ... ]) or with -Backend."
    }

    It 'Export, start from the exported file, export again: the same text (<Format>)' -ForEach @(
        @{ Format = 'Psd1'; Extension = 'psd1' }
        @{ Format = 'Json'; Extension = 'json' }
        @{ Format = 'Toml'; Extension = 'toml' }
    ) {
        $backends = Start-TcpBackend 0, 0, 0
        $lb = Start-TcpBalancer -Port 0 -Backend $backends[0], $backends[1] -Name "round-$Format" -Retries 5 -HealthCheckInterval 700 -HealthCheckSend "it's `$x`r`n" -MaxConnections 9 -IdleTimeout 0 -NoReplay
        Add-TcpBalancerBackend $lb -Backend $backends[2]
        $path = Join-Path $TestDrive "round.$Extension"

        Export-TcpBalancerConfiguration -Job $lb -Format $Format -Path $path
        $first = Get-Content -LiteralPath $path -Raw
        $port = $lb.Port
        Stop-TcpBalancer $lb
        $again = Start-TcpBalancer -ConfigurationPath $path
        $second = Export-TcpBalancerConfiguration -Job $again -Format $Format

        $second | Should -BeExactly $first
        $again.Name | Should -BeExactly "round-$Format"
        $again.Port | Should -Be $port
        $again.Backends | Should -Be @($backends | ForEach-Object { "127.0.0.1:$($_.Port)" })
        $o = Get-RunningOptions $again
        $o.HealthCheck.Send | Should -BeExactly "it's `$x`r`n"
        $o.Replay | Should -BeFalse
        $o.IdleTimeout | Should -Be ([System.Threading.Timeout]::InfiniteTimeSpan)
        (Invoke-TcpProbe -Port $again.Port -Count 3).Status | Should -Be @('Success', 'Success', 'Success')
    }

    It 'Exports several balancers as one file that starts them all; the format follows -Path or defaults to TOML' {
        $a = Start-TcpBalancer -Port 0 -Backend 9 -Name exp-a -HealthCheckInterval 0
        $b = Start-TcpBalancer -Port 0 -Backend 10 -Name exp-b -HealthCheckInterval 0
        $path = Join-Path $TestDrive 'both.json'

        $a, $b | Export-TcpBalancerConfiguration -Path $path
        $toml = Export-TcpBalancerConfiguration -Name 'exp-*'
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
        $started = @(Start-TcpBalancer -ConfigurationPath $path -Port 0)

        (Get-Content -LiteralPath $path -Raw) | Should -BeLikeExactly '{*"server": `[*"name": "exp-a"*"name": "exp-b"*'
        ([regex]::Matches($toml, '(?m)^\[\[server\]\]$')).Count | Should -Be 2
        $started.Name | Should -Be @('exp-a', 'exp-b')
    }

    It 'Export -Format HAProxy and Nginx write configurations that the real programs accept' {
        $backend = Start-TcpBackend -Port 0
        $lb = Start-TcpBalancer -Port 0 -Backend "$($backend.Port);weight=3", 9 -Algorithm LeastConnections -HealthCheckInterval 0

        $haproxyFile = Join-Path $TestDrive 'lb.haproxy.cfg'
        Export-TcpBalancerConfiguration $lb -Format HAProxy -Path $haproxyFile
        $nginx = Export-TcpBalancerConfiguration $lb -Format Nginx
        $nginxFile = Join-Path $TestDrive 'nginx.conf'
        Set-Content -LiteralPath $nginxFile -Value $nginx

        Get-Content -LiteralPath $haproxyFile -Raw | Should -BeLikeExactly "*bind 127.0.0.1:$($lb.Port)*balance leastconn*server * 127.0.0.1:$($backend.Port) *weight 3*"
        $nginx | Should -BeLikeExactly "*least_conn;*server 127.0.0.1:$($backend.Port) weight=3*listen 127.0.0.1:$($lb.Port);*"
        $log = & (Get-Command haproxy -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source -c -f $haproxyFile 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($log | Out-String)
        $log = & (Get-Command nginx -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source -t -c $nginxFile 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($log | Out-String)
    }

    It 'Export refuses a -Path whose extension names no format' {
        $lb = Start-TcpBalancer -Port 0 -Backend 9 -HealthCheckInterval 0

        $err = { Export-TcpBalancerConfiguration $lb -Path (Join-Path $TestDrive 'lb.cfg') } | Should -Throw -ErrorId 'FormatNotGiven,TcpLbModule.Commands.ExportTcpBalancerConfigurationCommand' -PassThru
        $err.Exception.Message | Should -BeLikeExactly "-Path '*lb.cfg' does not say which format to write*Give -Format Psd1, Json, Toml, HAProxy or Nginx."
        Test-Path (Join-Path $TestDrive 'lb.cfg') | Should -BeFalse
    }

    It 'The about topic''s complete examples are one configuration in three formats' {
        $files = @(
            New-ConfigFile 'about.toml' (Get-AboutExample 'A complete TOML file')
            New-ConfigFile 'about.json' (Get-AboutExample 'The same in JSON')
            New-ConfigFile 'about.psd1' (Get-AboutExample 'The same as a PowerShell data file')
            New-ConfigFile 'seed.toml' (Get-AboutExample 'The seed''s TOML file, as written').Split("`n`nPS>")[0]
        )
        $exports = foreach ($file in $files[0..2]) {
            $lbs = @(Start-TcpBalancer -ConfigurationPath $file -Port 0 -HealthCheckInterval 0)
            $lbs.Name | Should -Be @('web', 'api')
            # The ports -Port 0 picked differ from run to run; everything else must be the same.
            (Export-TcpBalancerConfiguration -Job $lbs) -replace 'listen = "127\.0\.0\.1:\d+"', 'listen = ...'
            $lbs | Stop-Job
            $lbs | Remove-Job
        }
        $exports[1] | Should -BeExactly $exports[0]
        $exports[2] | Should -BeExactly $exports[0]
        $exports[0] | Should -BeLikeExactly '*algorithm = "LeastConnections"*{address = "127.0.0.1:9003", weight = 1, backup = true}*slow_start = 10000*send = "PING\r\n"*'

        $seed = Start-TcpBalancer -ConfigurationPath $files[3] -Port 0 -ListenAddress 127.0.0.1 -HealthCheckInterval 0
        (Get-RunningOptions $seed).Algorithm | Should -Be 'WeightedRoundRobin'
        $seed.Backends | Should -Be @('127.0.0.1:8080', '127.0.0.1:8081')
    }

    It 'A detached balancer starts from a relative configuration path and exports through its process' {
        $name = 'cfg-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $null = New-ConfigFile 'detached.toml' "[[server]]`nname = '$name'`nlisten = 0`n[server.forward]`nbackends = ['9']`nretries = 6`nhealth_check = { interval = 0 }`n"
        Push-Location $TestDrive
        try {
            $server = Start-TcpBalancer -ConfigurationPath ./detached.toml -Detached
            try {
                $server.Name | Should -BeExactly $name
                $text = Export-TcpBalancerConfiguration -Name $name
                $text | Should -BeLikeExactly "*name = `"$name`"*listen = `"127.0.0.1:$($server.Port)`"*retries = 6*"
            }
            finally {
                Get-TcpBalancer -Name $name -ErrorAction SilentlyContinue | Stop-TcpBalancer
            }
        }
        finally {
            Pop-Location
        }
    }
}
