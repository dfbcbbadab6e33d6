# Update-TcpBalancer: live reload of a running balancer through the cmdlet.
# Needs the built module (dotnet build); ./build.ps1 -Task Test runs every file under Pester 5 or 6.

Describe 'ReloadTests' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../module/TcpLbModule.psd1') -Force
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

        function Get-PoolText {
            param($Job)
            @($Job.CurrentConfiguration().Backends | ForEach-Object { $_.ToString() })
        }
    }

    AfterEach {
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
    }

    It 'Swaps the pool under traffic with no failed probe, then rotates over the new pool' {
        $old = Start-TcpBackend -Port 0, 0
        $new = Start-TcpBackend -Port 0, 0
        $lb = Start-TcpBalancer -Port 0 -Backend $old -Name reload
        $probe = Invoke-TcpProbe -Port $lb.Port -Count 3000 -Concurrency 4 -AsJob

        # The reload happens while the probe runs: wait for traffic on the old pool first.
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while ($lb.Accepted -lt 100 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
        $lb.Accepted | Should -BeGreaterOrEqual 100
        $changes = Update-TcpBalancer -Name reload -Backend $new -PassThru
        $acceptedAtReload = $lb.Accepted
        $results = Wait-Job $probe -Timeout 120 | Receive-Job

        @($changes | ForEach-Object Kind) | Should -Be @('BackendAdded', 'BackendAdded', 'BackendRemoved', 'BackendRemoved')
        @($results).Count | Should -Be 3000
        @($results | Where-Object Status -ne 'Success').Count | Should -Be 0
        $acceptedAtReload | Should -BeLessThan 3000 -Because 'the reload must happen while the probe runs'
        $byBackend = $results | Group-Object Backend -AsHashTable
        foreach ($b in $old + $new) { $byBackend[$b.Port].Count | Should -BeGreaterThan 0 -Because "backend $($b.Port) served part of the traffic" }
        $lb.Failed | Should -Be 0
        Get-PoolText $lb | Should -Be @($new | ForEach-Object { "127.0.0.1:$($_.Port)" })

        $after = Invoke-TcpProbe -Port $lb.Port -Count 10 | Group-Object Backend -AsHashTable
        $after.Keys | Sort-Object | Should -Be @($new.Port | Sort-Object)
        foreach ($b in $new) { $after[$b.Port].Count | Should -Be 5 }
    }

    It 'Changes settings and backends in place and writes the changes with -PassThru' {
        $b = Start-TcpBackend -Port 0, 0
        $lb = Start-TcpBalancer -Port 0 -Backend $b
        $null = Invoke-TcpProbe -Port $lb.Port -Count 2

        $changes = $lb | Update-TcpBalancer -Backend "$($b[0].Port);weight=3", "$($b[1].Port);backup;max_connections=5" -Algorithm LeastConnections -ConnectTimeout 500 -IdleTimeout 0 -MaxConnections 100 -PassThru

        @($changes | ForEach-Object { $_.ToString() }) | Should -Be @(
            'Algorithm RoundRobin -> LeastConnections'
            'ConnectTimeout 2000 ms -> 500 ms'
            'IdleTimeout 3600000 ms -> infinite'
            'MaxConnections 0 (no limit) -> 100'
            "Backend 127.0.0.1:$($b[0].Port): Weight 1 -> 3"
            "Backend 127.0.0.1:$($b[1].Port): Backup no -> yes"
            "Backend 127.0.0.1:$($b[1].Port): MaxConnections 0 (no limit) -> 5")
        $changes[0].Kind | Should -Be 'AlgorithmChanged'
        $changes[0].Setting | Should -Be 'Algorithm'
        $changes[0].Old | Should -Be 'RoundRobin'
        $changes[0].New | Should -Be 'LeastConnections'
        $config = $lb.CurrentConfiguration()
        $config.Algorithm | Should -Be 'LeastConnections'
        $config.MaxConnections | Should -Be 100
        Get-PoolText $lb | Should -Be @("127.0.0.1:$($b[0].Port);weight=3", "127.0.0.1:$($b[1].Port);backup;max_connections=5")
        # Changed in place: the counters stay.
        (Get-TcpBalancerBackend $lb | Measure-Object TotalConnections -Sum).Sum | Should -Be 2

        # The same again: nothing to change, nothing written.
        @($lb | Update-TcpBalancer -Backend "$($b[0].Port);weight=3", "$($b[1].Port);backup;max_connections=5" -PassThru).Count | Should -Be 0
    }

    It '-WhatIf changes nothing' {
        $b = Start-TcpBackend -Port 0, 0, 0
        $lb = Start-TcpBalancer -Port 0 -Backend $b[0], $b[1]
        $before = Get-PoolText $lb

        $out = Update-TcpBalancer $lb -Backend $b[2] -Retries 1 -Algorithm Random -WhatIf -PassThru

        @($out).Count | Should -Be 0
        Get-PoolText $lb | Should -Be $before
        $lb.CurrentConfiguration().Retries | Should -Be 3
        $lb.CurrentConfiguration().Algorithm | Should -Be 'RoundRobin'
    }

    It 'Reloads a detached balancer by name, in its own process' {
        $b = Start-TcpBackend -Port 0, 0
        $name = "reload-detached-$PID"
        $null = Start-TcpBalancer -Port 0 -Backend $b[0] -Name $name -Detached
        try {
            $changes = Update-TcpBalancer -Name $name -Backend "$($b[0].Port);weight=2", $b[1] -Retries 1 -PassThru

            @($changes | ForEach-Object Kind) | Should -Be @('SettingChanged', 'WeightChanged', 'BackendAdded')
            @(Get-TcpBalancerBackend -Name $name | ForEach-Object Backend) | Should -Be @("127.0.0.1:$($b[0].Port)", "127.0.0.1:$($b[1].Port)")
        }
        finally {
            Get-TcpBalancer -Name $name | Stop-TcpBalancer
        }
    }

    It 'A bad value is a terminating error that names it, and nothing changes' {
        $b = Start-TcpBackend -Port 0
        $lb = Start-TcpBalancer -Port 0 -Backend $b
        $before = Get-PoolText $lb

        { Update-TcpBalancer $lb -Backend "$($b.Port);weight=0" -Retries 1 } | Should -Throw -ErrorId 'InvalidBackend,TcpLbModule.Commands.UpdateTcpBalancerCommand' -ExpectedMessage "*weight '0' is not a whole number from 1 to 256*"
        { Update-TcpBalancer $lb -Backend $b.Port, "127.0.0.1:$($b.Port)" } | Should -Throw -ErrorId 'DuplicateBackend,TcpLbModule.Commands.UpdateTcpBalancerCommand'
        { Update-TcpBalancer $lb -Retries 500 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,TcpLbModule.Commands.UpdateTcpBalancerCommand'
        { Update-TcpBalancer $lb -Algorithm Fastest } | Should -Throw -ExpectedMessage '*Fastest*RoundRobin*'
        { Update-TcpBalancer $lb -Backend $lb.Port } | Should -Throw -ErrorId 'BackendIsBalancer,TcpLbModule.Commands.UpdateTcpBalancerCommand'
        { Update-TcpBalancer -Name nosuchbalancer -Retries 1 -ErrorAction Stop } | Should -Throw -ErrorId 'JobNotFound,TcpLbModule.Commands.UpdateTcpBalancerCommand'

        Get-PoolText $lb | Should -Be $before
        $lb.CurrentConfiguration().Retries | Should -Be 3
    }

    It 'Each setting has one range: Start, Update and files accept and refuse the same values' {
        $b = Start-TcpBackend -Port 0
        # fin_timeout = 0 means never in a file; so it does on the command line.
        $lb = Start-TcpBalancer -Port 0 -Backend $b -FinTimeout 0 -HealthCheckInterval 0
        $lb.CurrentConfiguration().FinTimeout | Should -Be ([System.Threading.Timeout]::InfiniteTimeSpan)
        Update-TcpBalancer $lb -FinTimeout '30s'
        $lb.CurrentConfiguration().FinTimeout | Should -Be ([TimeSpan]::FromSeconds(30))
        Update-TcpBalancer $lb -FinTimeout 0
        $lb.CurrentConfiguration().FinTimeout | Should -Be ([System.Threading.Timeout]::InfiniteTimeSpan)
        # Every live setting is a parameter of Update, SlowStart too.
        Update-TcpBalancer $lb -SlowStart '10s'
        $lb.CurrentConfiguration().SlowStart | Should -Be ([TimeSpan]::FromSeconds(10))

        # ConnectFailureLimit and QueueLength stop where files and Start stop (1000 and 1000000), on Update too.
        foreach ($case in @(
                @{ Parameter = 'ConnectFailureLimit'; Value = 1001; Accepted = 'from 0 to 1000 (0: never)' },
                @{ Parameter = 'QueueLength'; Value = 1000001; Accepted = 'from 0 to 1000000' })) {
            $splat = @{ $case.Parameter = $case.Value }
            { Update-TcpBalancer $lb @splat } | Should -Throw -ErrorId 'ParameterArgumentValidationError,TcpLbModule.Commands.UpdateTcpBalancerCommand' -ExpectedMessage "*$($case.Value) is out of range for -$($case.Parameter). Accepted: $($case.Accepted)*"
            { Start-TcpBalancer -Port 0 -Backend $b @splat } | Should -Throw -ErrorId 'ParameterArgumentValidationError,TcpLbModule.Commands.StartTcpBalancerCommand' -ExpectedMessage "*$($case.Value) is out of range for -$($case.Parameter)*"
        }
        $lb.CurrentConfiguration().ConnectFailuresBeforeDown | Should -Be 3
        $lb.CurrentConfiguration().QueueLength | Should -Be 256
        { Start-TcpBalancer -Port 0 -Backend $b -ConnectTimeout 0 } | Should -Throw -ExpectedMessage '*0 is out of range for -ConnectTimeout. Accepted: from 1 to 2147483647 milliseconds*'
        @(Get-TcpBalancer).Count | Should -Be 1 -Because 'a refused value starts nothing'
    }

    It 'Every setting parameter of Start- and Update-TcpBalancer is checked against the setting it names' {
        $settings = [TcpLb.Configuration.Settings.BalancerSettings]::All
        $settings.Count | Should -BeGreaterThan 10
        foreach ($command in 'Start-TcpBalancer', 'Update-TcpBalancer') {
            $parameters = (Get-Command $command).Parameters
            foreach ($setting in $settings) {
                $parameter = $parameters[$setting.Name]
                if ($command -eq 'Start-TcpBalancer' -or $setting.Live) {
                    $parameter | Should -Not -BeNullOrEmpty -Because "$command sets $($setting.Name)"
                }
                if ($parameter) {
                    $checks = @($parameter.Attributes | Where-Object { $_.GetType().Name -eq 'ValidateSettingAttribute' })
                    $checks.Count | Should -Be 1 -Because "-$($setting.Name) of $command is checked against its setting"
                    $checks[0].Setting.Name | Should -Be $setting.Name
                    @($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateRangeAttribute] }).Count | Should -Be 0 -Because 'a second range would drift'
                }
            }
        }
    }

    It 'Reloads from a configuration file: the server of its name, with the parameters given over it' {
        $old = Start-TcpBackend -Port 0
        $a, $b = Start-TcpBackend -Port 0, 0
        $lb = Start-TcpBalancer -Port 0 -Backend $old -Name reload-file -HealthCheckInterval 0
        $path = Join-Path $TestDrive 'reload.toml'
        Set-Content -LiteralPath $path -Value @"
[[server]]
name = "other"
listen = "127.0.0.1:1"
[server.forward]
backends = [ { address = "127.0.0.1:9" } ]

[[server]]
name = "reload-file"
listen = "127.0.0.1:$($lb.Port)"
[server.forward]
algorithm = "WRR"
retries = 2
health_check = { interval = 0 }
backends = [
    { address = "127.0.0.1:$($a.Port)", weight = 2 },
    { address = "127.0.0.1:$($b.Port)" },
]
"@

        $changes = Update-TcpBalancer -Name reload-file -ConfigurationPath $path -Retries 1 -PassThru -WarningVariable warnings

        @($warnings).Count | Should -Be 0
        @($changes | ForEach-Object { "$($_.Kind)" } | Sort-Object -Unique) | Should -Be @('AlgorithmChanged', 'BackendAdded', 'BackendRemoved', 'SettingChanged')
        $lb.CurrentConfiguration().Retries | Should -Be 1 -Because 'a parameter given on the command line wins over the file'
        $lb.CurrentConfiguration().Algorithm | Should -Be 'WeightedRoundRobin'
        Get-PoolText $lb | Should -Be @("127.0.0.1:$($a.Port);weight=2", "127.0.0.1:$($b.Port)")
        # Weights 2 and 1: any six connections in a row are two full turns.
        $counts = Invoke-TcpProbe -Port $lb.Port -Count 6 | Group-Object Backend -AsHashTable
        $counts[$a.Port].Count | Should -Be 4
        $counts[$b.Port].Count | Should -Be 2
    }

    It 'A file without a server for the balancer is an error naming it; a different listener is a warning' {
        $backend = Start-TcpBackend -Port 0
        $lb = Start-TcpBalancer -Port 0 -Backend $backend -Name reload-miss -HealthCheckInterval 0
        $two = Join-Path $TestDrive 'two.psd1'
        Set-Content -LiteralPath $two -Value "@{ Server = @( @{ Name = 'x'; Listen = 1; Forward = @{ Backends = @('9') } }, @{ Name = 'y'; Listen = 2; Forward = @{ Backends = @('9') } } ) }"
        $one = Join-Path $TestDrive 'one.json'
        Set-Content -LiteralPath $one -Value "{ `"server`": [ { `"listen`": `"127.0.0.2:7`", `"forward`": { `"retries`": 2, `"healthCheck`": { `"interval`": 0 }, `"backends`": [ `"127.0.0.1:$($backend.Port)`" ] } } ] }"

        Update-TcpBalancer $lb -ConfigurationPath $two -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'NoServerForBalancer,*'
        $failures[0].Exception.Message | Should -BeLikeExactly "*two.psd1 has no server for balancer 'reload-miss' on port $($lb.Port)*"
        $lb.CurrentConfiguration().Retries | Should -Be 3

        Update-TcpBalancer $lb -ConfigurationPath $one -WarningVariable warnings -WarningAction SilentlyContinue
        @($warnings).Count | Should -Be 1
        "$($warnings[0])" | Should -BeLikeExactly "*listens on 127.0.0.2:7, but the balancer runs on 127.0.0.1:$($lb.Port)*"
        $lb.CurrentConfiguration().Retries | Should -Be 2 -Because 'the rest of the file applies'
    }
}
