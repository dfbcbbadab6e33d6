# Detached balancers and backends across CI steps: each step is a pwsh process of its own, as a
# GitHub Actions `run:` step is. Needs the built module (dotnet build); ./build.ps1 -Task Test runs
# every file under Pester 5 or 6.

Describe 'DetachedTests' {
    BeforeAll {
        $modulePath = (Resolve-Path (Join-Path $PSScriptRoot '../module/TcpLbModule.psd1')).Path
        Import-Module $modulePath -Force
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

        # Unique names, so parallel runs never collide; every server this file starts has this prefix.
        $prefix = 'ci-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $script:pids = [System.Collections.Generic.List[int]]::new()

        # One CI step: the script in its own pwsh process (the one running these tests), with
        # the module imported from this checkout. The step writes its result as one JSON line.
        function Invoke-CiStep {
            param([string] $Script, [hashtable] $Values = @{})
            $exe = (Get-Process -Id $PID).Path
            # Under the .NET tool (dotnet pwsh) the process is dotnet, running $PSHOME/pwsh.dll.
            $leading = @()
            if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $leading = @(Join-Path $PSHOME 'pwsh.dll') }
            $file = Join-Path $TestDrive ("step-" + [guid]::NewGuid().ToString('N') + '.ps1')
            Set-Content -LiteralPath $file -Value ("param([string] `$ModulePath, [string] `$Values)`n`$ErrorActionPreference = 'Stop'`nImport-Module `$ModulePath`n`$v = `$Values | ConvertFrom-Json`n" + $Script)
            $json = $Values | ConvertTo-Json -Compress
            $output = @(& $exe @leading -NoProfile -NonInteractive -File $file -ModulePath $modulePath -Values $json 2>&1)
            $exitCode = $LASTEXITCODE
            $exitCode | Should -Be 0 -Because "the step failed: $($output -join "`n")"
            $output[-1] | ConvertFrom-Json
        }

        function Get-EntryFile {
            param([string] $Name)
            $folder = if ($IsWindows) { Join-Path $env:LOCALAPPDATA 'TcpLbModule/run' }
                      elseif ($env:XDG_RUNTIME_DIR) { Join-Path $env:XDG_RUNTIME_DIR 'TcpLbModule' }
                      else { "/tmp/TcpLbModule-$(id -u)" }
            if (Test-Path $folder) {
                Get-ChildItem $folder -Filter '*.json' | Where-Object { (Get-Content -Raw $_.FullName | ConvertFrom-Json).Name -eq $Name }
            }
        }

        function Test-ProcessRunning {
            param([int] $Id)
            $process = Get-Process -Id $Id -ErrorAction SilentlyContinue
            # A killed process that nobody reaps stays as a zombie; a killed leader shows 'Z' while
            # its other threads still exit (and hold its sockets), so only a lone zombie has exited.
            $zombie = (Test-Path "/proc/$Id/stat") -and (Get-Content "/proc/$Id/stat" -Raw -ErrorAction SilentlyContinue) -match '\) [ZX] ' -and
                @(Get-ChildItem "/proc/$Id/task" -Directory -ErrorAction SilentlyContinue).Count -le 1
            $null -ne $process -and -not $zombie
        }
    }

    AfterAll {
        # Whatever a failed test left running is killed, and its entry cleaned.
        foreach ($id in $script:pids) { Stop-Process -Id $id -Force -ErrorAction SilentlyContinue }
        $null = Get-TcpBalancer -Name "$prefix*"
        $null = Get-TcpBackend -Name "$prefix*"
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
    }

    It 'A balancer and backends started in one step are probed and reconfigured in a second and stopped in a third' {
        # Step 1: start. Two backends side by side (one call, default names TcpBackend:<port>), the balancer in front.
        $started = Invoke-CiStep -Values @{ Prefix = $prefix } -Script @'
$b1, $b2 = Start-TcpBackend -Port 0, 0 -Detached
$lb = Start-TcpBalancer -Port 0 -Backend $b1, $b2 -Detached -Name "$($v.Prefix)-lb" -HealthCheckInterval 200
@{ Names = @($b1.Name, $b2.Name); Ports = @($b1.Port, $b2.Port); LbPort = $lb.Port; Pids = @($b1.Pid, $b2.Pid, $lb.Pid); Type = $lb.GetType().FullName; Location = $lb.Location } | ConvertTo-Json -Compress
'@
        $started.Pids | ForEach-Object { $script:pids.Add($_) }
        $started.Type | Should -BeExactly 'TcpLbModule.Detached.DetachedTcpServer'
        $started.Location | Should -BeExactly "pid $($started.Pids[2])"
        # The step's process has exited; its servers have not.
        foreach ($id in $started.Pids) { Test-ProcessRunning $id | Should -BeTrue }
        Test-PortFree $started.LbPort | Should -BeFalse

        # This process (another one again) sees them.
        $lb = Get-TcpBalancer -Name "$prefix-lb"
        $lb.State.ToString() | Should -BeExactly 'Running'
        $lb.Port | Should -Be $started.LbPort
        $lb.Pid | Should -Be $started.Pids[2]
        $started.Names | Should -Be @("TcpBackend:$($started.Ports[0])", "TcpBackend:$($started.Ports[1])")
        @(Get-TcpBackend -Name $started.Names).Pid | Sort-Object | Should -Be ($started.Pids[0..1] | Sort-Object)

        # Step 2: probe and reconfigure, by pipeline and by name.
        $third = Start-TcpBackend -Port 0   # a job of this process: the balancer reaches it by port
        $changed = Invoke-CiStep -Values @{ Prefix = $prefix; Names = $started.Names; Ports = $started.Ports; Third = $third.Port } -Script @'
$name = "$($v.Prefix)-lb"
$first = @(Get-TcpBalancer -Name $name | Invoke-TcpProbe -Count 4)
$disabled = Disable-TcpBalancerBackend -Name $name -Backend (Get-TcpBackend -Name $v.Names[0]) -PassThru
$afterDisable = @(Get-TcpBalancer -Name $name | Invoke-TcpProbe -Count 2)
Add-TcpBalancerBackend -Name $name -Backend $v.Third
Remove-TcpBalancerBackend -Name $name -Backend $v.Ports[1]
$pool = @(Get-TcpBalancer -Name $name | Get-TcpBalancerBackend)
$notInPool = try { Remove-TcpBalancerBackend -Name $name -Backend 1; 'no error' } catch { "$($_.FullyQualifiedErrorId)|$($_.CategoryInfo.Category)|$($_.Exception.Message)" }
@{
    First = @($first | ForEach-Object { "$($_.Status) $($_.Backend)" })
    Disabled = "$($disabled.Backend) $($disabled.State)"
    AfterDisable = @($afterDisable | ForEach-Object { "$($_.Status) $($_.Backend)" })
    Pool = @($pool | ForEach-Object { "$($_.Backend) $($_.State)" })
    NotInPool = $notInPool
} | ConvertTo-Json -Compress
'@
        $p1, $p2 = $started.Ports
        $changed.First | Should -Be @("Success $p1", "Success $p2", "Success $p1", "Success $p2")
        $changed.Disabled | Should -BeExactly "127.0.0.1:$p1 Disabled"
        $changed.AfterDisable | Should -Be @("Success $p2", "Success $p2")
        $changed.Pool | Should -Be @("127.0.0.1:$p1 Disabled", "127.0.0.1:$($third.Port) Up")
        $errorId, $category, $message = $changed.NotInPool -split '\|', 3
        $errorId | Should -BeExactly 'BackendNotFound,TcpLbModule.Commands.RemoveTcpBalancerBackendCommand'
        $category | Should -BeExactly 'ObjectNotFound'
        $message | Should -BeLike "Backend 127.0.0.1:1 is not in the pool of balancer '$prefix-lb'.*"

        # Step 3: stop everything.
        $stopped = Invoke-CiStep -Values @{ Prefix = $prefix; Names = $started.Names } -Script @'
$lb = Get-TcpBalancer -Name "$($v.Prefix)-lb" | Stop-TcpBalancer -PassThru
$backends = Get-TcpBackend -Name $v.Names | Stop-TcpBackend -PassThru
@{ States = @(@($lb) + @($backends) | ForEach-Object { "$($_.Name) $($_.State)" }); Left = @(Get-TcpBalancer -Name "$($v.Prefix)-*").Count + @(Get-TcpBackend -Name $v.Names -ErrorAction SilentlyContinue).Count } | ConvertTo-Json -Compress
'@
        # The two backends were started side by side: Get-TcpBackend lists them by start time, in either order.
        $stopped.States[0] | Should -BeExactly "$prefix-lb Stopped"
        @($stopped.States[1..2] | Sort-Object) | Should -Be @($started.Names | ForEach-Object { "$_ Stopped" } | Sort-Object)
        $stopped.Left | Should -Be 0
        foreach ($id in $started.Pids) { Test-ProcessRunning $id | Should -BeFalse }
        foreach ($port in @($started.LbPort) + $started.Ports) { Test-PortFree $port | Should -BeTrue }
        foreach ($name in @("$prefix-lb") + $started.Names) { Get-EntryFile $name | Should -BeNullOrEmpty }
        Invoke-TcpProbe -Port $started.LbPort -Count 1 -Timeout 2000 | ForEach-Object Status | Should -BeExactly 'Refused'
    }

    It 'A killed detached server is cleaned from Get-TcpBalancer and cannot be addressed' {
        $name = "$prefix-killed"
        $lb = Start-TcpBalancer -Port 0 -Backend 1 -HealthCheckInterval 0 -Detached -Name $name
        $script:pids.Add($lb.Pid)
        Get-EntryFile $name | Should -Not -BeNullOrEmpty

        Stop-Process -Id $lb.Pid -Force
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while ((Test-ProcessRunning $lb.Pid) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        $listed = @(Get-TcpBalancer -Verbose 4>&1)

        @($listed | Where-Object { $_ -is [TcpLbModule.Detached.DetachedTcpServer] -and $_.Name -eq $name }) | Should -HaveCount 0
        @($listed | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like "*'$name' (pid $($lb.Pid)*has exited*" }) | Should -HaveCount 1
        Get-EntryFile $name | Should -BeNullOrEmpty
        # The kernel frees a killed process's port as its last thread exits.
        while (-not (Test-PortFree $lb.Port) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        Test-PortFree $lb.Port | Should -BeTrue
        { Get-TcpBalancerBackend -Name $name -ErrorAction Stop } | Should -Throw -ErrorId 'JobNotFound,TcpLbModule.Commands.GetTcpBalancerBackendCommand'
        Get-TcpBalancer -Name $name -ErrorVariable notFound -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $notFound[0].FullyQualifiedErrorId | Should -BeExactly 'TcpServerNotFound,TcpLbModule.Commands.GetTcpBalancerCommand'
    }

    It 'A start error in the child is the caller''s terminating error and leaves no process or entry' {
        $busy = Start-TcpBackend -Port 0
        $name = "$prefix-inuse"
        $records = [System.Collections.Generic.List[object]]::new()

        $thrown = try { & { Start-TcpBackend -Port $busy.Port -Detached -Name $name -Verbose } 4>&1 | ForEach-Object { $records.Add($_) }; $null } catch { $_ }

        $thrown | Should -Not -BeNullOrEmpty
        $thrown.FullyQualifiedErrorId | Should -BeExactly 'PortInUse,TcpLbModule.Commands.StartTcpBackendCommand'
        $thrown.CategoryInfo.Category.ToString() | Should -BeExactly 'ResourceUnavailable'
        $thrown.Exception.Message | Should -BeLike "Port $($busy.Port) on 127.0.0.1 is already in use*"
        $pipe = @($records | ForEach-Object { if ("$_" -match '-CustomPipeName (\S+)\.') { $Matches[1] } })[0]
        $pipe | Should -Match '^TcpLb_'
        @(Get-Process | Where-Object { $_.CommandLine -like "*$pipe*" }) | Should -HaveCount 0
        Get-EntryFile $name | Should -BeNullOrEmpty
        @(Get-TcpBackend -Name $name -ErrorAction SilentlyContinue) | Should -HaveCount 0
    }

    It 'Get-TcpBalancer lists the jobs of this session too; a taken name and a wrong kind are errors' {
        $job = Start-TcpBalancer -Port 0 -Backend 1 -HealthCheckInterval 0 -Name "$prefix-local"
        $backend = Start-TcpBackend -Port 0 -Detached -Name "$prefix-taken"
        $script:pids.Add($backend.Pid)
        try {
            $listed = @(Get-TcpBalancer -Name "$prefix-local")
            $listed | Should -HaveCount 1
            $listed[0] | Should -Be $job

            { Start-TcpBalancer -Port 0 -Backend 1 -Detached -Name "$prefix-TAKEN" } | Should -Throw -ErrorId 'DetachedNameTaken,TcpLbModule.Commands.StartTcpBalancerCommand'
            { $backend | Stop-TcpBalancer } | Should -Throw -ErrorId 'WrongServerKind,TcpLbModule.Commands.StopTcpBalancerCommand'
            # -WhatIf is answered here: nothing stops.
            $backend | Stop-TcpBackend -WhatIf
            (Get-TcpBackend -Name "$prefix-taken").State.ToString() | Should -BeExactly 'Running'
            # A detached backend is a backend for Start-TcpBalancer too.
            Stop-TcpBalancer -Job $job
            $lb = Start-TcpBalancer -Port 0 -Backend $backend -HealthCheckInterval 0
            Invoke-TcpProbe -Port $lb.Port -Count 1 | ForEach-Object Backend | Should -Be $backend.Port
        }
        finally {
            $backend | Stop-TcpBackend
        }
        Test-ProcessRunning $backend.Pid | Should -BeFalse
        Test-PortFree $backend.Port | Should -BeTrue
    }
    It 'A detached balancer shows its Transport and Algorithm as a job of this session does, and the algorithm a reload sets' {
        $job = Start-TcpBalancer -Port 0 -Backend 1 -HealthCheckInterval 0 -Algorithm LeastConnections
        $lb = Start-TcpBalancer -Port 0 -Backend 1 -HealthCheckInterval 0 -Algorithm LeastConnections -Detached -Name "$prefix-shows"
        $script:pids.Add($lb.Pid)
        try {
            $listed = Get-TcpBalancer -Name "$prefix-shows"
            foreach ($server in $lb, $listed) {
                $server.Transport | Should -BeExactly $job.Transport
                $server.Algorithm | Should -BeExactly 'LeastConnections'
            }
            $job.Transport | Should -BeIn 'Loop', 'Stream'
            ($listed | ConvertTo-Json -Depth 1 -WarningAction SilentlyContinue | ConvertFrom-Json).Algorithm | Should -BeExactly 'LeastConnections'

            Update-TcpBalancer -Name "$prefix-shows" -Algorithm RoundRobin

            (Get-TcpBalancer -Name "$prefix-shows").Algorithm | Should -BeExactly 'RoundRobin'
            (Get-TcpBalancer -Name "$prefix-shows").Transport | Should -BeExactly $job.Transport
        }
        finally {
            $lb | Stop-TcpBalancer
            Stop-TcpBalancer -Job $job
        }
    }

    It 'Get-Job and Receive-Job show a detached balancer of another process; Stop-Job stops it, Remove-Job forgets it' {
        # Started by another process (a CI step that has exited).
        $started = Invoke-CiStep -Values @{ Prefix = $prefix } -Script @'
$b = Start-TcpBackend -Port 0 -Detached -Name "$($v.Prefix)-jb"
$lb = Start-TcpBalancer -Port 0 -Backend $b -Detached -Name "$($v.Prefix)-jlb" -HealthCheckInterval 0
@{ Pids = @($b.Pid, $lb.Pid); Port = $b.Port; LbPort = $lb.Port } | ConvertTo-Json -Compress
'@
        $started.Pids | ForEach-Object { $script:pids.Add($_) }

        $job = Get-Job -Name "$prefix-jlb"
        $job | Should -HaveCount 1
        $job.PSJobTypeName | Should -BeExactly 'TcpBalancer'
        $job.State | Should -Be 'Running'
        $job.Location | Should -BeExactly "pid $($started.Pids[1])"
        $job.Port | Should -Be $started.LbPort
        @(Get-Job | Where-Object Name -eq "$prefix-jb") | Should -HaveCount 0 -Because 'a bare Get-Job lists the jobs of this session: servers it started or named'
        @(Get-Job -Name "$prefix-jb") | Should -HaveCount 1
        @(Get-Job | Where-Object Name -eq "$prefix-jb") | Should -HaveCount 1 -Because 'named once, it is one of this session''s jobs'
        $mine = Start-TcpBackend -Port 0 -Detached -Name "$prefix-jmine"
        $script:pids.Add($mine.Pid)
        @(Get-Job | Where-Object Name -eq "$prefix-jmine") | Should -HaveCount 1 -Because 'a server this session started is its job from the start'
        Stop-Job -Name "$prefix-jmine"
        Remove-Job -Name "$prefix-jmine"
        (Get-Job -Id $job.Id) | Should -Be $job -Because 'the same job object for the same server, by id as by name'

        # Events written in the server's process come back through Receive-Job, by name and by object.
        Disable-TcpBalancerBackend -Name "$prefix-jlb" -Backend $started.Port
        Wait-Until { @(Receive-Job -Name "$prefix-jlb" -Keep | Where-Object State -eq 'Disabled').Count -ge 1 } | Should -BeTrue -Because 'the disable event reaches Receive-Job'
        $events = @(Receive-Job $job)
        $disabled = @($events | Where-Object State -eq 'Disabled')
        $disabled | Should -HaveCount 1
        $disabled[0].Backend | Should -BeExactly "127.0.0.1:$($started.Port)"
        $disabled[0].PreviousState | Should -BeExactly 'Up'
        ($disabled[0] | Format-Table | Out-String) | Should -Match '\d\d:\d\d:\d\d\.\d{3}' -Because 'the event view prints the time of a deserialized event'
        @(Receive-Job -Name "$prefix-jlb") | Should -HaveCount 0 -Because 'received records are gone from this session'
        Enable-TcpBalancerBackend -Name "$prefix-jlb" -Backend $started.Port
        Wait-Until { $job.HasMoreData } | Should -BeTrue -Because 'a new event arrives without a look-up (the journal is watched)'
        @(Receive-Job $job | Where-Object State -eq 'Up') | Should -HaveCount 1

        # Another process still controls the server this session has as a job.
        $other = Invoke-CiStep -Values @{ Prefix = $prefix } -Script @'
@{ States = @(Get-TcpBalancerBackend -Name "$($v.Prefix)-jlb" | ForEach-Object { "$($_.State)" }); Jobs = @(Get-Job -Name "$($v.Prefix)-*" | ForEach-Object Name | Sort-Object) } | ConvertTo-Json -Compress
'@
        $other.States | Should -Be @('Up')
        $other.Jobs | Should -Be @("$prefix-jb", "$prefix-jlb") -Because 'every process of the user sees the detached servers as jobs'

        # Stop-Job stops the server itself; Remove-Job takes it out of this session's view.
        Stop-Job $job
        $job.State | Should -Be 'Stopped'
        Test-ProcessRunning $started.Pids[1] | Should -BeFalse
        Test-PortFree $started.LbPort | Should -BeTrue
        Get-TcpBalancer -Name "$prefix-jlb" -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        (Get-Job -Name "$prefix-jlb").State | Should -Be 'Stopped' -Because 'a stopped job stays until it is removed'
        Remove-Job -Name "$prefix-jlb"
        Get-Job -Name "$prefix-jlb" -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

        # A server stopped elsewhere turns Stopped here too.
        $backendJob = Get-Job -Name "$prefix-jb"
        Get-TcpBackend -Name "$prefix-jb" | Stop-TcpBackend
        Wait-Until { $backendJob.State -eq 'Stopped' } | Should -BeTrue -Because 'the entry that goes ends the job'
        Remove-Job $backendJob
        @(Get-Job -Name "$prefix-j*") | Should -HaveCount 0
    }
}
