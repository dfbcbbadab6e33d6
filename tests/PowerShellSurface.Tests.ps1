# Objects that behave like PowerShell's own (issue 18), walked as a user would: everything the
# module outputs serializes promptly (ConvertTo-Json under a timeout), enums by name and durations
# with numeric ...Ms twins; every Get-X feeds every Verb-X of its noun; time parameters take '2s';
# not found is a non-terminating error per name; names are unique per session.
# Needs the built module (dotnet build); ./build.ps1 -Task Test runs every file under Pester 5 or 6.

Describe 'PowerShellSurface' {
    BeforeAll {
        $script:ModulePath = Join-Path $PSScriptRoot '../module/TcpLbModule.psd1'
        Import-Module $script:ModulePath -Force
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force

        # PowerShellSurface.JsonWithin: ConvertTo-Json of $InputObject in a thread job, which must
        # finish within $Seconds (a serializer that blocks on an engine task never would).
        function ConvertTo-JsonWithin {
            param([object[]] $InputObject, [int] $Seconds = 60, [int] $Depth = 2)
            $job = Start-ThreadJob -ScriptBlock {
                param($Items, $Depth)
                $Items | ConvertTo-Json -Depth $Depth -WarningAction SilentlyContinue
            } -ArgumentList (, $InputObject), $Depth
            try {
                $finished = Wait-Job $job -Timeout $Seconds
                $finished | Should -Not -BeNullOrEmpty -Because "ConvertTo-Json of $(@($InputObject | ForEach-Object { $_.GetType().Name } | Select-Object -Unique) -join ', ') must return within $Seconds s"
                $job.State | Should -Be 'Completed' -Because "$($job.ChildJobs[0].JobStateInfo.Reason)"
                Receive-Job $job
            }
            finally {
                Stop-Job $job
                Remove-Job $job -Force
            }
        }
    }

    AfterEach {
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
    }

    Context '1 and 9: everything the module outputs serializes, promptly, enums by name' {
        It 'ConvertTo-Json returns for every output type, and the jobs hand out no engine object' {
            $backend = Start-TcpBackend -Port 0
            $lb = Start-TcpBalancer -Port 0 -Backend $backend -Name surface-json -HealthCheckInterval 0
            Add-TcpBalancerToxic $lb -Type Latency -Latency '10ms' -ToxicName slow
            $probeJob = Invoke-TcpProbe -Port $lb.Port -Count 2 -AsJob
            $null = Wait-Job $probeJob
            $results = Invoke-TcpProbe -Port $lb.Port -Count 3
            $outputs = @(
                $backend
                $lb
                $probeJob
                $results
                $results | Measure-TcpProbe
                Get-TcpBalancerBackend $lb
                Get-TcpBalancerToxic $lb
                Get-TcpBalancerAccess $lb
                Update-TcpBalancer $lb -Retries 2 -PassThru
                Receive-Job $lb
            )
            foreach ($item in $outputs) {
                $json = ConvertTo-JsonWithin $item
                $json | Should -Not -BeNullOrEmpty
            }
            @($lb.PSObject.Properties.Name) | Should -Not -Contain 'Balancer'
            @($backend.PSObject.Properties.Name) | Should -Not -Contain 'Backend'
            $lb.CurrentConfiguration().Retries | Should -Be 2 -Because 'a copy of the running configuration is still there'
        }

        It 'Probe results and statuses have enums by name and numeric ...Ms twins in JSON and CSV' {
            $backend = Start-TcpBackend -Port 0
            $lb = Start-TcpBalancer -Port 0 -Backend $backend -HealthCheckInterval 0
            Add-TcpBalancerToxic $lb -Type Latency -Latency '5ms' -ToxicName slow

            $probe = Invoke-TcpProbe -Port $lb.Port -Count 1 | ConvertTo-Json | ConvertFrom-Json
            $probe.Status | Should -BeExactly 'Success'
            $probe.LatencyMs | Should -BeOfType [double]
            $probe.LatencyMs | Should -BeGreaterOrEqual 5

            $csv = Invoke-TcpProbe -Port $lb.Port -Count 1 | ConvertTo-Csv | ConvertFrom-Csv
            $csv.Status | Should -BeExactly 'Success'
            [double]::Parse($csv.LatencyMs, [cultureinfo]::InvariantCulture) | Should -BeGreaterOrEqual 5

            $summary = Invoke-TcpProbe -Port $lb.Port -Count 2 | Measure-TcpProbe | ConvertTo-Json | ConvertFrom-Json
            $summary.LatencyP50Ms | Should -BeGreaterOrEqual 5

            (Get-TcpBalancerBackend $lb | ConvertTo-Json | ConvertFrom-Json).State | Should -BeExactly 'Up'
            $jobJson = ConvertTo-JsonWithin $lb -Depth 1 | ConvertFrom-Json
            $jobJson.Algorithm | Should -BeExactly 'RoundRobin'
            $jobJson.Outage | Should -BeExactly 'None'
            (ConvertTo-JsonWithin $backend -Depth 1 | ConvertFrom-Json).Fault | Should -BeExactly 'None'
            $toxic = Get-TcpBalancerToxic $lb | ConvertTo-Json | ConvertFrom-Json
            $toxic.Type | Should -BeExactly 'Latency'
            $toxic.Direction | Should -BeExactly 'Downstream'
            $toxic.ToxicName | Should -BeExactly 'slow'
        }
    }

    Context '2: every Get-X feeds every Verb-X of its noun, and a status object is accepted where its thing is' {
        It 'Get-TcpBalancerBackend | Disable-, Enable-, Set-, Wait- and Remove-TcpBalancerBackend, by name' {
            $a, $b = Start-TcpBackend -Port 0, 0
            $null = Start-TcpBalancer -Port 0 -Backend $a, $b -Name surface-pipe -HealthCheckInterval 0

            $disabled = Get-TcpBalancerBackend -Name surface-pipe -Backend $a | Disable-TcpBalancerBackend -PassThru
            $disabled.State | Should -Be 'Disabled'
            (Get-TcpBalancerBackend -Name surface-pipe | Enable-TcpBalancerBackend -PassThru).State | Should -Be @('Up', 'Up')
            (Get-TcpBalancerBackend -Name surface-pipe | Set-TcpBalancerBackend -Weight 3 -PassThru).Weight | Should -Be @(3, 3)
            (Get-TcpBalancerBackend -Name surface-pipe | Wait-TcpBalancerBackend -State Up -Timeout '30s').State | Should -Be @('Up', 'Up')
            Get-TcpBalancerBackend -Name surface-pipe -Backend $b | Remove-TcpBalancerBackend
            @(Get-TcpBalancerBackend -Name surface-pipe).Backend | Should -Be @("127.0.0.1:$($a.Port)")
        }

        It 'Get-TcpBalancerToxic | Set- and Remove-TcpBalancerToxic; Get-TcpBalancerAccess | Set-TcpBalancerAccess; Get-X | Stop-X' {
            $backend = Start-TcpBackend -Port 0
            $lb = Start-TcpBalancer -Port 0 -Backend $backend -Name surface-toxic -HealthCheckInterval 0
            Add-TcpBalancerToxic $lb -Type Latency -Latency '5ms' -ToxicName slow
            Add-TcpBalancerToxic $lb -Type ResetPeer -Timeout '1s' -Toxicity 0

            (Get-TcpBalancerToxic -Name surface-toxic -ToxicName slow | Set-TcpBalancerToxic -Latency '20ms' -PassThru).Latency | Should -Be 20
            Get-TcpBalancerToxic -Name surface-toxic | Remove-TcpBalancerToxic
            @(Get-TcpBalancerToxic $lb) | Should -HaveCount 0

            Set-TcpBalancerAccess $lb -DenyFrom 192.0.2.1
            Get-TcpBalancerAccess $lb | Set-TcpBalancerAccess -DenyFrom 192.0.2.2
            (Get-TcpBalancerAccess $lb).Range | Should -Be @('192.0.2.2')

            Get-TcpBackend -Name $backend.Name | Set-TcpBackend -Latency '10ms'
            $backend.Latency | Should -Be 10
            Get-TcpBalancer -Name surface-toxic | Stop-TcpBalancer
            $lb.State | Should -Be 'Stopped'
            Get-TcpBackend -Name $backend.Name | Stop-TcpBackend
            $backend.State | Should -Be 'Stopped'
        }

        It 'Objects that went through serialization still find their job (toxics, access, backends, balancers)' {
            function ConvertTo-Deserialized($InputObject) {
                [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($InputObject))
            }
            $backend = Start-TcpBackend -Port 0
            $lb = Start-TcpBalancer -Port 0 -Backend $backend -Name surface-deser -HealthCheckInterval 0
            Add-TcpBalancerToxic $lb -Type Latency -Latency '5ms' -ToxicName slow
            Set-TcpBalancerAccess $lb -DenyFrom 192.0.2.1

            $toxic = ConvertTo-Deserialized (Get-TcpBalancerToxic -Name surface-deser)
            $toxic.PSObject.TypeNames[0] | Should -BeExactly 'Deserialized.TcpLbModule.Jobs.TcpBalancerToxicStatus'
            ($toxic | Set-TcpBalancerToxic -Latency '7ms' -PassThru).Latency | Should -Be 7
            ConvertTo-Deserialized (Get-TcpBalancerToxic -Name surface-deser) | Remove-TcpBalancerToxic
            @(Get-TcpBalancerToxic $lb) | Should -HaveCount 0
            ConvertTo-Deserialized (Get-TcpBalancerAccess -Name surface-deser) | Set-TcpBalancerAccess -DenyFrom 192.0.2.9
            (Get-TcpBalancerAccess $lb).Range | Should -Be @('192.0.2.9')
            @(ConvertTo-Deserialized (Get-TcpBalancer -Name surface-deser) | Get-TcpBalancerBackend).Backend | Should -Be @("127.0.0.1:$($backend.Port)")
            ConvertTo-Deserialized (Get-TcpBackend -Name $backend.Name) | Set-TcpBackend -Latency '3ms'
            $backend.Latency | Should -Be 3
            ConvertTo-Deserialized (Get-TcpBalancer -Name surface-deser) | Stop-TcpBalancer
            $lb.State | Should -Be 'Stopped'
            ConvertTo-Deserialized (Get-TcpBackend -Name $backend.Name) | Stop-TcpBackend
            $backend.State | Should -Be 'Stopped'
        }

        It 'Deserialized backend statuses pipe into Disable-, Enable-, Set-, Wait- and Remove-TcpBalancerBackend, Update-TcpBalancer and Start-TcpBalancer -Backend' {
            $a, $b = Start-TcpBackend -Port 0, 0
            $lb = Start-TcpBalancer -Port 0 -Backend $a, $b -Name surface-deser-backend -HealthCheckInterval 0
            $file = Join-Path $TestDrive 'backends.xml'
            Get-TcpBalancerBackend -Name surface-deser-backend | Export-Clixml $file
            $rows = Import-Clixml $file
            $rows[0].PSObject.TypeNames[0] | Should -BeExactly 'Deserialized.TcpLbModule.Jobs.TcpBalancerBackendStatus'

            (Import-Clixml $file | Disable-TcpBalancerBackend -PassThru).State | Should -Be @('Disabled', 'Disabled')
            (Import-Clixml $file | Enable-TcpBalancerBackend -PassThru).State | Should -Be @('Up', 'Up')
            (Import-Clixml $file | Set-TcpBalancerBackend -Weight 4 -PassThru).Weight | Should -Be @(4, 4)
            (Import-Clixml $file | Wait-TcpBalancerBackend -State Up -Timeout '30s').State | Should -Be @('Up', 'Up')
            $thread = Start-ThreadJob { Import-Clixml $using:file }
            (Receive-Job $thread -Wait | Disable-TcpBalancerBackend -Drain -PassThru).State | Should -Be @('Draining', 'Draining')

            (Import-Clixml $file | Select-Object -First 1 | Update-TcpBalancer -Retries 2 -PassThru).New | Should -Be 2
            $lb.CurrentConfiguration().Retries | Should -Be 2

            $second = Start-TcpBalancer -Port 0 -Backend (Import-Clixml $file) -HealthCheckInterval 0
            (Get-TcpBalancerBackend $second).Backend | Should -Be $rows.Backend
            $third = Import-Clixml $file | Start-TcpBalancer -Port 0 -HealthCheckInterval 0
            (Get-TcpBalancerBackend $third).Backend | Should -Be $rows.Backend
            Get-TcpBackend -Name $a.Name | Export-Clixml (Join-Path $TestDrive 'backend.xml')
            $fourth = Start-TcpBalancer -Port 0 -Backend (Import-Clixml (Join-Path $TestDrive 'backend.xml')) -HealthCheckInterval 0
            (Get-TcpBalancerBackend $fourth).Backend | Should -Be "127.0.0.1:$($a.Port)"

            Import-Clixml $file | Select-Object -Last 1 | Remove-TcpBalancerBackend
            @(Get-TcpBalancerBackend $lb).Backend | Should -Be @($rows[0].Backend)
        }

        It 'Rows reshaped by Select-Object or read back from JSON and CSV still pipe into their noun: <Shape>' -ForEach @(
            @{ Shape = 'Select-Object -Property *'; Reshape = { $input | Select-Object -Property * } }
            @{ Shape = 'Select-Object of the names'; Reshape = { $input | Select-Object Balancer, Backend, ToxicName, Name, PSJobTypeName } }
            @{ Shape = 'JSON'; Reshape = { $input | ConvertTo-Json | ConvertFrom-Json } }
            @{ Shape = 'CSV'; Reshape = { $input | ConvertTo-Csv | ConvertFrom-Csv } }
        ) {
            $a, $b = Start-TcpBackend -Port 0, 0
            $lb = Start-TcpBalancer -Port 0 -Backend $a -Name surface-reshaped -HealthCheckInterval 0
            Add-TcpBalancerToxic $lb -Type Latency -Latency '5ms' -ToxicName slow
            (Get-TcpBalancerBackend $lb | & $Reshape | Disable-TcpBalancerBackend -PassThru).State | Should -Be 'Disabled'
            (Get-TcpBalancerBackend $lb | & $Reshape | Enable-TcpBalancerBackend -PassThru).State | Should -Be 'Up'
            (Get-TcpBalancerToxic $lb | & $Reshape | Set-TcpBalancerToxic -Latency '9ms' -PassThru).Latency | Should -Be 9
            $second = Get-TcpBalancerBackend $lb | & $Reshape | Start-TcpBalancer -Port 0 -HealthCheckInterval 0
            (Get-TcpBalancerBackend $second).Backend | Should -Be "127.0.0.1:$($a.Port)"
            Add-TcpBalancerBackend $lb -Backend (Get-TcpBackend -Name $b.Name | & $Reshape)
            @(Get-TcpBalancerBackend $lb).Backend | Should -Be @("127.0.0.1:$($a.Port)", "127.0.0.1:$($b.Port)")
            Get-TcpBalancer -Name surface-reshaped | & $Reshape | Stop-TcpBalancer
            $lb.State | Should -Be 'Stopped'
        }

        It 'A backend status object is a backend for -Backend' {
            $a = Start-TcpBackend -Port 0
            $first = Start-TcpBalancer -Port 0 -Backend $a -HealthCheckInterval 0
            $status = Get-TcpBalancerBackend $first
            $second = Start-TcpBalancer -Port 0 -Backend $status -HealthCheckInterval 0
            (Get-TcpBalancerBackend $second).Backend | Should -Be $status.Backend
            Disable-TcpBalancerBackend $second -Backend $status
            (Get-TcpBalancerBackend $second).State | Should -Be 'Disabled'
        }
    }

    Context '3 and 7: time values and names as the files take them' {
        It 'Every time parameter takes a TimeSpan or a string with a unit, through the one duration parser' {
            $timeParameters = foreach ($command in Get-Command -Module TcpLbModule -CommandType Cmdlet) {
                foreach ($parameter in $command.Parameters.Values) {
                    if ($parameter.Name -match 'Timeout$|Interval$|^Latency$|^Jitter$|^Delay$|^SlowStart$') {
                        [pscustomobject]@{
                            Name = "$($command.Name) -$($parameter.Name)"
                            Duration = @($parameter.Attributes | Where-Object { $_.GetType().Name -eq 'DurationAttribute' }).Count -eq 1
                        }
                    }
                }
            }
            @($timeParameters).Count | Should -BeGreaterThan 25
            @($timeParameters | Where-Object { -not $_.Duration } | ForEach-Object Name) | Should -HaveCount 0
        }

        It "'2s', '250ms', '1h', a TimeSpan and bare milliseconds reach the balancer as the same durations" {
            $backend = Start-TcpBackend -Port 0 -Latency '20ms'
            $backend.Latency | Should -Be 20
            $lb = Start-TcpBalancer -Port 0 -Backend $backend -ConnectTimeout '2s' -ResponseTimeout '250ms' -IdleTimeout '1h' -FinTimeout ([timespan]::FromSeconds(3)) `
                -QueueTimeout 1500 -HealthCheckInterval '0.5m' -HealthCheckTimeout '1s' -SlowStart '1m' -ProxyHeaderTimeout '2s'
            $c = $lb.CurrentConfiguration()
            $c.ConnectTimeout | Should -Be ([timespan]::FromSeconds(2))
            $c.ResponseTimeout | Should -Be ([timespan]::FromMilliseconds(250))
            $c.IdleTimeout | Should -Be ([timespan]::FromHours(1))
            $c.FinTimeout | Should -Be ([timespan]::FromSeconds(3))
            $c.QueueTimeout | Should -Be ([timespan]::FromMilliseconds(1500))
            $c.SlowStart | Should -Be ([timespan]::FromMinutes(1))

            Update-TcpBalancer $lb -ConnectTimeout '3s' -HealthCheckTimeout ([timespan]'00:00:02')
            $lb.CurrentConfiguration().ConnectTimeout | Should -Be ([timespan]::FromSeconds(3))
            Set-TcpBackend $backend -Jitter '5ms'
            $backend.Jitter | Should -Be 5
            @(Invoke-TcpProbe -Port $lb.Port -Count 1 -Timeout '10s').Status | Should -Be 'Success'
            (Wait-TcpBalancerBackend $lb -Backend $backend -State Up -Timeout '30s').State | Should -Be 'Up'
            Stop-TcpBalancer $lb -Drain -Timeout '1s'
            $lb.State | Should -Be 'Stopped'
        }

        It 'An unquoted 2s (a [short] 2 to PowerShell) and a bad unit are errors that name the value and the forms' {
            $backend = Start-TcpBackend -Port 0
            { Start-TcpBalancer -Port 0 -Backend $backend -ConnectTimeout 2s } | Should -Throw -ExpectedMessage "*unquoted 2s*Quote it ('2s')*"
            { Start-TcpBalancer -Port 0 -Backend $backend -ConnectTimeout '2 parsecs' } | Should -Throw -ExpectedMessage "*'2 parsecs' is not a duration*500ms*"
            @(Get-Job | Where-Object PSJobTypeName -eq 'TcpBalancer') | Should -HaveCount 0
        }

        It 'The command line takes the algorithm short forms and toxic settings with units, as the files do' {
            $backend = Start-TcpBackend -Port 0
            $lb = Start-TcpBalancer -Port 0 -Backend $backend -Algorithm WRR -HealthCheckInterval 0 -Toxic @{ Type = 'Latency'; Latency = '100ms'; Jitter = '1ms' }, @{ Type = 'Slicer'; average_size = 8; Delay = '1ms' }
            $lb.Algorithm | Should -Be 'WeightedRoundRobin'
            (Get-TcpBalancerToxic $lb).Latency | Should -Be @(100, 0)
            (Get-TcpBalancerToxic $lb).AverageSize | Should -Be @(0, 8)
            Update-TcpBalancer $lb -Algorithm lc
            $lb.Algorithm | Should -Be 'LeastConnections'
            { Update-TcpBalancer $lb -Algorithm Fastest } | Should -Throw -ExpectedMessage '*Fastest*WRR*'
        }
    }

    Context '4: not found is a non-terminating error per name, and the found ones are acted on' {
        It 'Stop-TcpBalancer -Name web,nope stops web; -ErrorAction <Action> decides what nope does' -ForEach @(
            @{ Action = 'SilentlyContinue'; Throws = $false; ExpectedErrors = 1 }
            @{ Action = 'Ignore'; Throws = $false; ExpectedErrors = 0 }
            @{ Action = 'Continue'; Throws = $false; ExpectedErrors = 1 }
            @{ Action = 'Stop'; Throws = $true; ExpectedErrors = 1 }
        ) {
            $backend = Start-TcpBackend -Port 0
            $web = Start-TcpBalancer -Port 0 -Backend $backend -Name "web-$Action" -HealthCheckInterval 0
            $notFound = $null
            $threw = $false
            try {
                Stop-TcpBalancer -Name "web-$Action", "nope-$Action" -ErrorAction $Action -ErrorVariable notFound 2>$null
            }
            catch {
                $threw = $true
                $_.FullyQualifiedErrorId | Should -BeExactly 'JobNotFound,TcpLbModule.Commands.StopTcpBalancerCommand'
            }
            $threw | Should -Be $Throws
            @($notFound).Count | Should -Be $ExpectedErrors
            if ($ExpectedErrors -gt 0 -and -not $Throws) {
                $notFound[0].FullyQualifiedErrorId | Should -BeExactly 'JobNotFound,TcpLbModule.Commands.StopTcpBalancerCommand'
                $notFound[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
                $notFound[0].Exception.Message | Should -BeLikeExactly "*'nope-$Action'*"
            }
            $web.State | Should -Be 'Stopped' -Because 'the name that was found is acted on, before or despite the one that was not'
        }

        It 'A backend, toxic or id that is not there is one error each; the others are acted on' {
            $a, $b = Start-TcpBackend -Port 0, 0
            $lb = Start-TcpBalancer -Port 0 -Backend $a, $b -HealthCheckInterval 0
            Add-TcpBalancerToxic $lb -Type Latency -Latency 1 -ToxicName keep
            Add-TcpBalancerToxic $lb -Type Latency -Latency 1 -ToxicName gone

            Disable-TcpBalancerBackend $lb -Backend 1, $a -ErrorVariable e1 -ErrorAction SilentlyContinue
            @($e1).Count | Should -Be 1
            $e1[0].FullyQualifiedErrorId | Should -BeLike 'BackendNotFound,*'
            (Get-TcpBalancerBackend $lb -Backend $a).State | Should -Be 'Disabled'

            Remove-TcpBalancerToxic $lb -ToxicName nosuch, gone -ErrorVariable e2 -ErrorAction SilentlyContinue
            @($e2).Count | Should -Be 1
            $e2[0].FullyQualifiedErrorId | Should -BeLike 'ToxicNotFound,*'
            @(Get-TcpBalancerToxic $lb).ToxicName | Should -Be @('keep')

            Get-TcpBalancerBackend -Id 999999, $lb.Id -ErrorVariable e3 -ErrorAction SilentlyContinue | Should -HaveCount 2
            $e3[0].FullyQualifiedErrorId | Should -BeLike 'JobNotFound,*'
        }
    }

    Context '10: the build where CI caches NuGet' {
        It 'Restores and copies Pester with NUGET_PACKAGES set without a trailing slash' {
            $cache = ((& dotnet nuget locals global-packages -l) -replace '^global-packages:\s*', '').Trim().TrimEnd('/', '\')
            $cache | Should -Not -BeNullOrEmpty
            $target = Join-Path $TestDrive 'pester/'
            $saved = $env:NUGET_PACKAGES
            try {
                $env:NUGET_PACKAGES = $cache
                $log = & dotnet build (Join-Path $PSScriptRoot 'Pester/Pester.csproj') -nologo -v:q "-p:PesterDir=$target" 2>&1
                $LASTEXITCODE | Should -Be 0 -Because ($log | Out-String)
            }
            finally {
                $env:NUGET_PACKAGES = $saved
            }
            Test-Path (Join-Path $target 'Pester.psd1') | Should -BeTrue
        }
    }

    Context '6: names are unique in a session' {
        It 'A second balancer or backend with a running job''s name is an error naming it; a stopped job''s name is free' {
            $backend = Start-TcpBackend -Port 0 -Name surface-once
            $lb = Start-TcpBalancer -Port 0 -Backend $backend -Name surface-web -HealthCheckInterval 0
            $err = { Start-TcpBalancer -Port 0 -Backend $backend -Name surface-web } | Should -Throw -ErrorId 'NameInUse,TcpLbModule.Commands.StartTcpBalancerCommand' -PassThru
            $err.Exception.Message | Should -BeLikeExactly "*'surface-web' is in use: TcpBalancer job 'surface-web' (Id $($lb.Id))*"
            { Start-TcpBackend -Port 0 -Name surface-once } | Should -Throw -ErrorId 'NameInUse,TcpLbModule.Commands.StartTcpBackendCommand'
            { Start-TcpBackend -Port 0, 0 -Name surface-two } | Should -Throw -ErrorId 'NameInUse,TcpLbModule.Commands.StartTcpBackendCommand'
            @(Get-Job -Name surface-web) | Should -HaveCount 1
            @(Get-Job -Name surface-two -ErrorAction SilentlyContinue) | Should -HaveCount 0

            Stop-TcpBalancer -Name surface-web
            $again = Start-TcpBalancer -Port 0 -Backend $backend -Name surface-web -HealthCheckInterval 0
            $again.State | Should -Be 'Running'
        }
    }

    Context '11: help that points somewhere and fits a screen or two' {
        It 'Every cmdlet has a HelpUri at its docs/ file, and Get-Help (not -Full) is at most 120 lines at 80 columns' {
            $problems = foreach ($command in Get-Command -Module TcpLbModule -CommandType Cmdlet) {
                if ($command.HelpUri -notlike "https://*/docs/$($command.Name).md") { "$($command.Name): HelpUri '$($command.HelpUri)'" }
                if (-not (Test-Path (Join-Path $PSScriptRoot "../docs/$($command.Name).md"))) { "$($command.Name): no docs file" }
                $lines = @((Get-Help $command.Name | Out-String -Width 80) -split "`n").Count
                if ($lines -gt 120) { "$($command.Name): Get-Help is $lines lines" }
            }
            @($problems) | Should -HaveCount 0 -Because ($problems -join "`n")
        }

        It 'The about topic sends readers to nothing outside the package, and the release notes name the breaks' {
            $about = Get-Content -Raw (Join-Path $PSScriptRoot '../module/en-US/about_TcpLbModule.help.txt')
            $about | Should -Not -Match 'README'
            $notes = (Import-PowerShellDataFile $script:ModulePath).PrivateData.PSData.ReleaseNotes
            $notes | Should -BeLike '*Breaking*CurrentConfiguration*'
            $notes | Should -BeLike '*ToxicName*'
            $notes | Should -BeLike '*non-terminating*'
        }
    }

    Context '5: -Verbose narrates, -Debug traces' {
        It 'Start-TcpBackend, Start-TcpBalancer and Invoke-TcpProbe say what they do with -Verbose' {
            $backend = Start-TcpBackend -Port 0 -Name surface-verbose -Verbose 4>&1 | Tee-Object -Variable backendStream | Where-Object { $_ -is [TcpLbModule.Jobs.TcpBackendJob] }
            @($backendStream | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like "Backend job 'surface-verbose'*listening on 127.0.0.1:$($backend.Port)*" }) | Should -HaveCount 1

            $stream = Start-TcpBalancer -Port 0 -Backend $backend -Name surface-narrated -HealthCheckInterval 0 -Verbose 4>&1
            $lb = $stream | Where-Object { $_ -is [TcpLbModule.Jobs.TcpBalancerJob] }
            $verbose = @($stream | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
            $verbose | Should -Contain "Starting balancer 'surface-narrated' on 127.0.0.1:0 (a free port): 1 backend(s) (127.0.0.1:$($backend.Port)), RoundRobin, no health checks, 3 retries, connect timeout 2000 ms."
            @($verbose | Where-Object { $_ -like "Balancer job 'surface-narrated'*listening on 127.0.0.1:$($lb.Port)*" }) | Should -HaveCount 1

            $probe = @(Invoke-TcpProbe -Port $lb.Port -Count 2 -Verbose 4>&1)
            $messages = @($probe | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
            $messages[0] | Should -BeLike "Probing localhost:$($lb.Port): 2 connection(s), 1 at a time, 5000 ms timeout each*"
            @($messages | Where-Object { $_ -like "Connection * Success from backend $($backend.Port) in * ms." }) | Should -HaveCount 2
            $messages[-1] | Should -BeLike '*2 of 2 connection(s) succeeded.'
        }

        It '-Debug shows the configuration started, and the job traces the engine''s events to its Debug stream' {
            $backend = Start-TcpBackend -Port 0
            # $DebugPreference rather than -Debug, which makes a compiled cmdlet ask before each record.
            $saved = $global:DebugPreference
            try {
                $global:DebugPreference = 'Continue'
                $stream = Start-TcpBalancer -Port 0 -Backend $backend -HealthCheckInterval 0 5>&1
            }
            finally {
                $global:DebugPreference = $saved
            }
            $lb = $stream | Where-Object { $_ -is [TcpLbModule.Jobs.TcpBalancerJob] }
            $debug = @($stream | Where-Object { $_ -is [System.Management.Automation.DebugRecord] } | ForEach-Object Message)
            ($debug -join "`n") | Should -BeLike "*Configuration:*127.0.0.1:$($backend.Port)*"

            Disable-TcpBalancerBackend $lb -Backend $backend
            @($lb.Debug | Where-Object { $_.Message -like '*backend state: 127.0.0.1:*Up -> Disabled*' }) | Should -HaveCount 1
            @($backend.Debug) | Should -HaveCount 0 -Because 'without -Debug a job traces nothing'
        }
    }

    Context '8: completion of every name, toxic name and port' {
        It 'Get-Job wraps a long name of the module''s jobs instead of cutting it, whichever job comes first' {
            $thread = Start-ThreadJob { 1 }
            $backend = Start-TcpBackend -Port 0 -Name 'surface-a-backend-with-a-long-name'
            $screen = @($thread, $backend) | Out-String -Width 80
            $screen | Should -Not -BeLike '*…*'
            # The Name column wraps the name over two lines: 'surface-a-backend-', then 'with-a-long-name'.
            $screen | Should -Match '(?m)^\s*\d+\s+surface-a-backend-\s+TcpBackend\s'
            $screen | Should -Match '(?m)^\s+with-a-long-name\s*$'
        }

        BeforeAll {
            function Get-Completion {
                param([string] $Line)
                @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches | ForEach-Object CompletionText)
            }
        }

        It 'Completes Get-TcpBalancer -Name, -ToxicName and Invoke-TcpProbe -Port, never with file names' {
            $backend = Start-TcpBackend -Port 0 -Name surface-complete-backend
            $lb = Start-TcpBalancer -Port 0 -Backend $backend -Name surface-complete -HealthCheckInterval 0
            Add-TcpBalancerToxic $lb -Type ResetPeer -Timeout 1 -Toxicity 0
            Add-TcpBalancerToxic $lb -Type Latency -Latency 1 -ToxicName 'slow one'

            Get-Completion 'Get-TcpBalancer -Name surface-comp' | Should -Be @('surface-complete')
            Get-Completion 'Get-TcpBackend -Name surface-complete-b' | Should -Be @('surface-complete-backend')
            Get-Completion 'Remove-TcpBalancerToxic -Name surface-complete -ToxicName ' | Should -Be @('reset_peer_downstream', "'slow one'")
            Get-Completion 'Get-TcpBalancerToxic $lb -ToxicName res' | Should -Be @('reset_peer_downstream')
            $ports = Get-Completion 'Invoke-TcpProbe -Port '
            $ports | Should -Contain "$($lb.Port)"
            $ports | Should -Contain "$($backend.Port)"
            Get-Completion 'Start-TcpBalancer -Port ' | Should -Be @('0')
            Get-Completion 'Start-TcpBackend -Port ' | Should -Be @('0')
            Get-Completion 'Start-TcpBalancer -Backend ' | Should -Contain "127.0.0.1:$($backend.Port)"
            # New names: nothing to offer, and no file names either.
            foreach ($line in 'Start-TcpBalancer -Name ', 'Start-TcpBackend -Name ', 'Add-TcpBalancerToxic -ToxicName ') {
                Get-Completion $line | Should -HaveCount 0 -Because $line
            }
        }
    }

    Context '12: counters of a balancer, in this session or detached' {
        It 'Get-TcpBalancerStatistics gives the same snapshot for a job and a detached balancer' {
            $backend = Start-TcpBackend -Port 0
            $lb = Start-TcpBalancer -Port 0 -Backend $backend -HealthCheckInterval 0
            $null = Invoke-TcpProbe -Port $lb.Port -Count 3
            $local = Get-TcpBalancerStatistics $lb
            $local.Accepted | Should -Be 3
            $local.Served | Should -Be 3
            $local.State | Should -Be 'Running'
            (ConvertTo-JsonWithin $local | ConvertFrom-Json).Algorithm | Should -BeExactly 'RoundRobin'

            $name = "surface-stats-$PID"
            $detached = Start-TcpBalancer -Port 0 -Backend $backend -Name $name -Detached -HealthCheckInterval 0
            try {
                $null = Invoke-TcpProbe -Port $detached.Port -Count 2
                $remote = Get-TcpBalancer -Name $name | Get-TcpBalancerStatistics
                $remote.Balancer | Should -Be $name
                $remote.Accepted | Should -Be 2
                (Get-TcpBalancerStatistics -Name $name).Port | Should -Be $detached.Port
            }
            finally {
                Get-TcpBalancer -Name $name | Stop-TcpBalancer
            }
        }
    }
}
