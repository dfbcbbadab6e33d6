# Issue 17 through the cmdlets: which transport a balancer runs on. Auto (the default) is the
# engine's own event loop on Linux; -Transport and the configuration key choose; TLS always takes
# the stream path; TCPLB_TRANSPORT overrides for the process; a reload cannot change it; the job's
# Transport property says which one runs; a TCPLB_TRANSPORT, TCPLB_LOOP_LAYOUT, TCPLB_LOOPS or
# TCPLB_IO_URING that names nothing known is an error and starts nothing. This file clears the variables while it runs
# (CI's second pass sets TCPLB_TRANSPORT for other files) and puts them back afterwards.

Describe 'Transport' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../module/TcpLbModule.psd1') -Force
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        $script:forced = $env:TCPLB_TRANSPORT
        $script:layout = $env:TCPLB_LOOP_LAYOUT
        $script:loops = $env:TCPLB_LOOPS
        $script:uring = $env:TCPLB_IO_URING
        Remove-Item Env:TCPLB_TRANSPORT, Env:TCPLB_LOOP_LAYOUT, Env:TCPLB_LOOPS, Env:TCPLB_IO_URING -ErrorAction SilentlyContinue
        $script:backend = Start-TcpBackend -Port 0

        # Sets $Variable to $Value and asserts a start with $Start's parameters refuses it: the
        # error names the variable, its value and what is accepted; no job is left and the port
        # stays free. Returns the port, with the variable still set.
        function Assert-EnvironmentRefused([string] $Variable, [string] $Value, [string] $Accepted, [hashtable] $Start = @{}) {
            $before = @(Get-Job).Count
            $port = Get-FreePort
            Set-Item "Env:$Variable" $Value
            $parameters = @{ Port = $port; Backend = $script:backend; HealthCheckInterval = 0 } + $Start

            $err = { Start-TcpBalancer @parameters } | Should -Throw -ErrorId 'InvalidEnvironmentVariable,*' -PassThru

            $err.Exception.Message | Should -BeLike "*$Variable='$Value'*"
            $err.Exception.Message | Should -BeLike "*accepted: $Accepted*"
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            @(Get-Job).Count | Should -Be $before
            Test-PortFree $port | Should -BeTrue
            $port
        }
    }

    AfterAll {
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
        if ($script:forced) { $env:TCPLB_TRANSPORT = $script:forced }
        if ($script:layout) { $env:TCPLB_LOOP_LAYOUT = $script:layout }
        if ($script:loops) { $env:TCPLB_LOOPS = $script:loops }
        if ($script:uring) { $env:TCPLB_IO_URING = $script:uring }
    }

    AfterEach {
        Remove-Item Env:TCPLB_TRANSPORT, Env:TCPLB_LOOP_LAYOUT, Env:TCPLB_LOOPS, Env:TCPLB_IO_URING -ErrorAction SilentlyContinue
        Get-Job | Where-Object { $_ -ne $script:backend } | Stop-Job
        Get-Job | Where-Object { $_ -ne $script:backend } | Remove-Job -Force
    }

    It 'Runs on the event loop by default on Linux, and says so' {
        $lb = Start-TcpBalancer -Port 0 -Backend $script:backend -HealthCheckInterval 0

        $lb.Transport | Should -Be $(if ($IsLinux) { 'Loop' } else { 'Stream' })
        @(Invoke-TcpProbe -Port $lb.Port -Count 3 | Where-Object Status -eq 'Success').Count | Should -Be 3
    }

    It 'Takes -Transport <Transport> and serves on it' -TestCases @(@{ Transport = 'Stream'; Runs = 'Stream' }, @{ Transport = 'Loop'; Runs = 'Loop' }, @{ Transport = 'Auto'; Runs = 'Loop' }) {
        $a = Start-TcpBackend -Port 0
        $lb = Start-TcpBalancer -Port 0 -Backend $script:backend, $a -HealthCheckInterval 0 -Transport $Transport

        $lb.Transport | Should -Be $(if ($IsLinux) { $Runs } else { 'Stream' })
        # Round robin in the order given, on either transport.
        (Invoke-TcpProbe -Port $lb.Port -Count 4).Backend | Should -Be @($script:backend.Port, $a.Port, $script:backend.Port, $a.Port)
        ($lb | ConvertTo-Json -Depth 1 -WarningAction SilentlyContinue | ConvertFrom-Json).Transport | Should -Be $lb.Transport
    }

    It 'A bad -Transport is an error that names the value and the accepted ones, and starts nothing' {
        $before = @(Get-Job).Count

        $err = { Start-TcpBalancer -Port 0 -Backend $script:backend -Transport Epoll } | Should -Throw -PassThru

        $err.Exception.Message | Should -BeLike "*Epoll*"
        $err.Exception.Message | Should -BeLike "*Auto, Loop, Stream*"
        @(Get-Job).Count | Should -Be $before
    }

    It 'A TCPLB_TRANSPORT that names no transport is an error naming it and loop, stream; nothing starts, the port stays free' {
        $port = Assert-EnvironmentRefused -Variable TCPLB_TRANSPORT -Value 'fast' -Accepted 'loop, stream'

        # TLS would take the stream path whatever the variable says: a bad value is still an error.
        { Start-TcpBalancer -Port 0 -Backend $script:backend -HealthCheckInterval 0 -SelfSignedCertificate } | Should -Throw -ErrorId 'InvalidEnvironmentVariable,*'
        # A -Detached balancer's process inherits the variable: the same error, no server left.
        $name = "tr-env-$PID"
        { Start-TcpBalancer -Port $port -Backend $script:backend -HealthCheckInterval 0 -Detached -Name $name } | Should -Throw -ErrorId 'InvalidEnvironmentVariable,*'
        Get-TcpBalancer -Name $name -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Test-PortFree $port | Should -BeTrue
        Remove-Item Env:TCPLB_TRANSPORT
        (Start-TcpBalancer -Port $port -Backend $script:backend -HealthCheckInterval 0).Port | Should -Be $port
    }

    It 'A TCPLB_LOOP_LAYOUT that names no layout is an error on the loop, naming it and the layouts; nothing starts' {
        if ($IsLinux) {
            $null = Assert-EnvironmentRefused -Variable TCPLB_LOOP_LAYOUT -Value 'fastest' -Accepted 'reuseport, handoff, leastloaded, packed' -Start @{ Transport = 'Loop' }
        }
        # The stream path has no loops to lay out: the variable does not concern it.
        $env:TCPLB_LOOP_LAYOUT = 'fastest'
        (Start-TcpBalancer -Port 0 -Backend $script:backend -HealthCheckInterval 0 -Transport Stream).Transport | Should -Be 'Stream'
    }

    It 'TCPLB_IO_URING off makes one system call at a time and serves the same; a value other than on or off is an error naming it; nothing starts' {
        if ($IsLinux) {
            foreach ($value in 'off', 'on') {
                $env:TCPLB_IO_URING = $value
                $lb = Start-TcpBalancer -Port 0 -Backend $script:backend -HealthCheckInterval 0 -Transport Loop
                $sent = Invoke-TcpProbe -Port $lb.Port -Count 3 -Message ('x' * 40000)
                @($sent | Where-Object Status -eq 'Success').Count | Should -Be 3 -Because "TCPLB_IO_URING=$value"
                $lb | Stop-TcpBalancer
            }

            $null = Assert-EnvironmentRefused -Variable TCPLB_IO_URING -Value '1' -Accepted 'on, off' -Start @{ Transport = 'Loop' }
        }
        # The stream path makes its calls through .NET's sockets: the variable does not concern it.
        $env:TCPLB_IO_URING = 'sometimes'
        (Start-TcpBalancer -Port 0 -Backend $script:backend -HealthCheckInterval 0 -Transport Stream).Transport | Should -Be 'Stream'
    }

    It 'TCPLB_LOOPS sets how many loops serve (1 to 8); any other value is an error naming it; nothing starts' {
        if ($IsLinux) {
            $env:TCPLB_LOOPS = '1'
            $one = Start-TcpBalancer -Port 0 -Backend $script:backend -HealthCheckInterval 0 -Transport Loop
            @(Invoke-TcpProbe -Port $one.Port -Count 3 | Where-Object Status -eq 'Success').Count | Should -Be 3

            $null = Assert-EnvironmentRefused -Variable TCPLB_LOOPS -Value '0' -Accepted '1, 2, 3, 4, 5, 6, 7, 8' -Start @{ Transport = 'Loop' }
        }
        # The stream path has no loops: the variable does not concern it.
        $env:TCPLB_LOOPS = 'many'
        (Start-TcpBalancer -Port 0 -Backend $script:backend -HealthCheckInterval 0 -Transport Stream).Transport | Should -Be 'Stream'
    }

    It 'Under a load the packed loops say in the job''s Verbose stream how many of them take new connections, and why' -Tag 'Bulk' -Skip:(-not $IsLinux) {
        # Two loops whatever the core count, packed (the default layout): under a bulk load the
        # first measurement either tries one loop fewer or keeps both untried (they ran more work
        # than one loop can). Either is a new reason, and a Verbose line with the measured figures.
        $env:TCPLB_LOOPS = '2'
        $server = Start-Iperf3Server
        try {
            # No health checks: iperf3's server would take a connect-only check as one of its streams.
            $lb = Start-TcpBalancer -Port 0 -Backend $server.Port -HealthCheckInterval 0 -Transport Loop
            $run = Invoke-Iperf3Client -Port $lb.Port -Arguments '-P 4 -t 6'
            $run.ExitCode | Should -Be 0 -Because $run.Error

            $said = @($lb.Verbose | ForEach-Object Message | Where-Object { $_ -like 'event loops: *' })
            $said | Should -Not -BeNullOrEmpty -Because "6 s of iperf3 is a load to measure (Verbose: $(@($lb.Verbose | ForEach-Object Message) -join ' | '))"
            $said[0] | Should -Match '^event loops: (1 of 2 take new connections \(trying 1 loops against 2 \(\d+\.\d MB/s\)\)|2 of 2 take new connections \(kept 2 loops untried: they ran \d\.\d\d cores \(\d+\.\d MB/s\), more than 1 can\))$'
        }
        finally {
            Stop-Iperf3Server $server
        }
    }

    It 'TLS takes the stream path even when the loop is asked for' {
        $lb = Start-TcpBalancer -Port 0 -Backend $script:backend -HealthCheckInterval 0 -SelfSignedCertificate -Transport Loop

        $lb.Transport | Should -Be 'Stream'
    }

    It 'TCPLB_TRANSPORT overrides -Transport for balancers started after it is set, as its help says' {
        $env:TCPLB_TRANSPORT = 'stream'
        $lb = Start-TcpBalancer -Port 0 -Backend $script:backend -HealthCheckInterval 0 -Transport Loop
        Remove-Item Env:TCPLB_TRANSPORT
        $after = Start-TcpBalancer -Port 0 -Backend $script:backend -HealthCheckInterval 0 -Transport Loop

        $lb.Transport | Should -Be 'Stream'
        $after.Transport | Should -Be $(if ($IsLinux) { 'Loop' } else { 'Stream' })
        (Get-Help Start-TcpBalancer -Parameter Transport | Out-String) | Should -BeLike '*TCPLB_TRANSPORT*'
    }

    It 'The configuration file key transport starts it on that transport, and export writes it back (<Format>)' -TestCases @(@{ Format = 'psd1' }, @{ Format = 'json' }, @{ Format = 'toml' }) {
        $path = Join-Path $TestDrive "stream.$Format"
        $text = switch ($Format) {
            'psd1' { "@{ Server = @( @{ Name = 'tr-$Format'; Listen = 0; Transport = 'Stream'; Forward = @{ Backends = @('$($script:backend.Port)'); HealthCheck = @{ Interval = 0 } } } ) }" }
            'json' { "{ `"server`": [ { `"name`": `"tr-$Format`", `"listen`": 0, `"transport`": `"stream`", `"forward`": { `"backends`": [ `"$($script:backend.Port)`" ], `"healthCheck`": { `"interval`": 0 } } } ] }" }
            'toml' { "[[server]]`nname = `"tr-$Format`"`nlisten = 0`ntransport = `"STREAM`"`n[server.forward]`nbackends = [`"$($script:backend.Port)`"]`nhealth_check = { interval = 0 }`n" }
        }
        Set-Content -LiteralPath $path -Value $text

        $lb = Start-TcpBalancer -ConfigurationPath $path

        $lb.Transport | Should -Be 'Stream'
        $exported = Export-TcpBalancerConfiguration -Job $lb -Format $Format
        ($exported -join "`n") | Should -Match '(?i)transport\W+\s*=?\s*\W?Stream'
    }

    It 'A reload that changes the transport is refused, naming the setting and both values; a restart is needed' {
        $lb = Start-TcpBalancer -Port 0 -Backend $script:backend -HealthCheckInterval 0 -Name tr-reload
        $path = Join-Path $TestDrive 'reload.psd1'
        Set-Content -LiteralPath $path -Value "@{ Server = @( @{ Name = 'tr-reload'; Listen = $($lb.Port); Transport = 'Stream'; Forward = @{ Backends = @('$($script:backend.Port)'); HealthCheck = @{ Interval = 0 }; Retries = 1 } } ) }"

        $err = { Update-TcpBalancer $lb -ConfigurationPath $path } | Should -Throw -ErrorId 'NotChangeableWhileRunning,*' -PassThru

        $err.Exception.Message | Should -BeLike '*Transport cannot change while the balancer runs (Auto -> Stream)*'
        $err.Exception.Message | Should -BeLike '*Stop it and start it again*'
        $lb.CurrentConfiguration().Retries | Should -Be 3 -Because 'nothing was changed'
        $lb.Transport | Should -Be $(if ($IsLinux) { 'Loop' } else { 'Stream' })
    }
}
