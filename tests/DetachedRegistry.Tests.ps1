# The registry of detached servers ($XDG_RUNTIME_DIR/TcpLbModule) can only be the user's own: a
# folder or an entry that someone else could have planted (another owner, a symbolic link, group
# or other permission bits) is refused with an error naming the path and the fix, and never used
# to address or kill a process. And the remoting pipes' socket files (CoreFxPipe_TcpLb_*) do not
# outlive their servers. CI runs as root, where chmod proves nothing: the planted files are
# chowned to 'nobody'. Each test gets a runtime folder of its own (XDG_RUNTIME_DIR).
# Needs the built module (dotnet build); ./build.ps1 -Task Test runs every file under Pester 5 or 6.

Describe 'DetachedRegistry' {
    BeforeAll {
        $script:modulePath = (Resolve-Path (Join-Path $PSScriptRoot '../module/TcpLbModule.psd1')).Path
        Import-Module $script:modulePath -Force
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

        $script:isRoot = (& id -u) -eq '0'
        $script:other = 'nobody'
        $script:otherUid = [int] (& id -u $script:other)
        $script:pids = [System.Collections.Generic.List[int]]::new()

        # A folder of this user's alone, removed in AfterEach.
        function New-PrivateFolder {
            $path = Join-Path ([System.IO.Path]::GetTempPath()) ('tcplb-registry-' + [guid]::NewGuid().ToString('N'))
            $null = New-Item -ItemType Directory -Path $path
            & chmod 700 $path
            $script:folders.Add($path)
            $path
        }

        function Get-Mode([string] $Path) { & stat -c '%a %u' $Path }

        # Where .NET makes the socket file of a pipe (the temp folder it saw when the process started).
        function Get-PipeFile([string] $PipeName) { Join-Path ([System.IO.Path]::GetTempPath()) "CoreFxPipe_$PipeName" }

        # Starts a detached backend; adds the pipe name its verbose message gives as PipeName.
        function Start-DetachedBackend([string] $Name) {
            $records = @(& { Start-TcpBackend -Port 0 -Detached -Name $Name -Verbose } 4>&1)
            $server = $records | Where-Object { $_ -is [TcpLbModule.Detached.DetachedTcpServer] }
            $script:pids.Add($server.Pid)
            $pipe = @($records | ForEach-Object { if ("$_" -match '-CustomPipeName (TcpLb_\w+)\.') { $Matches[1] } })[0]
            $server | Add-Member -NotePropertyName PipeName -NotePropertyValue $pipe -PassThru
        }

        # An entry that looks live: a process of ours, its start time, and a "pipe" file that exists.
        function New-PlantedEntry([string] $Folder, [System.Diagnostics.Process] $Process) {
            $pipe = 'TcpLb_planted' + [guid]::NewGuid().ToString('N').Substring(0, 8)
            $script:files.Add((Get-PipeFile $pipe))
            Set-Content -LiteralPath (Get-PipeFile $pipe) -Value ''
            [ordered]@{
                Name = 'victim'; Kind = 'Backend'; Pid = $Process.Id
                ProcessStartTime = $Process.StartTime.ToUniversalTime().ToString('o')
                Port = 1; ListenAddress = '127.0.0.1'; PipeName = $pipe
                StartedAt = [DateTime]::UtcNow.ToString('o'); ModulePath = $script:modulePath
            } | ConvertTo-Json -Compress
        }

        function Test-Alive([System.Diagnostics.Process] $Process) { $Process.Refresh(); -not $Process.HasExited }
    }

    BeforeEach {
        $script:folders = [System.Collections.Generic.List[string]]::new()
        $script:files = [System.Collections.Generic.List[string]]::new()
        $script:savedRuntime = $env:XDG_RUNTIME_DIR
        $env:XDG_RUNTIME_DIR = New-PrivateFolder
    }

    AfterEach {
        foreach ($id in $script:pids) { Stop-Process -Id $id -Force -ErrorAction SilentlyContinue }
        $script:pids.Clear()
        $env:XDG_RUNTIME_DIR = $script:savedRuntime
        foreach ($path in @($script:folders) + @($script:files)) { Remove-Item -LiteralPath $path -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'A runtime folder planted by another user (mode 777) is refused, named in the error, and left as it was' {
        $planted = Join-Path $env:XDG_RUNTIME_DIR 'TcpLbModule'
        if ($script:isRoot) {
            $null = New-Item -ItemType Directory -Path $planted
            & chmod 777 $planted
            & chown $script:other $planted
            $why = "is owned by uid $script:otherUid, not by the current user (uid 0)"
        }
        else {
            # Without root no other owner can be made: a link to a world-writable folder stands in.
            $elsewhere = New-PrivateFolder
            & chmod 777 $elsewhere
            $null = New-Item -ItemType SymbolicLink -Path $planted -Target $elsewhere
            $why = 'is a symbolic link'
        }
        $before = Get-Mode $planted

        $thrown = try { Start-TcpBackend -Port 0 -Detached -Name victim; $null } catch { $_ }
        if ($thrown -is [TcpLbModule.Detached.DetachedTcpServer]) { $script:pids.Add($thrown.Pid) } # a regression: it started

        $thrown | Should -Not -BeNullOrEmpty -Because 'a planted registry folder is never adopted'
        $thrown.FullyQualifiedErrorId | Should -BeExactly 'DetachedRegistryUnsafe,TcpLbModule.Commands.StartTcpBackendCommand'
        $thrown.CategoryInfo.Category.ToString() | Should -BeExactly 'SecurityError'
        $thrown.Exception.Message | Should -BeLike "The runtime folder '$planted' of detached servers $why, so it is not trusted*Remove it (rm -r '$planted'*XDG_RUNTIME_DIR*"
        Get-Mode $planted | Should -Be $before -Because 'the folder is not repaired (chmod) and adopted'
        @(Get-ChildItem -LiteralPath $planted -Force) | Should -HaveCount 0 -Because 'no entry was written into it'
        # Every read refuses it too.
        { Get-TcpBackend } | Should -Throw -ErrorId 'DetachedRegistryUnsafe,TcpLbModule.Commands.GetTcpBackendCommand'
        { Stop-TcpBackend -Name victim } | Should -Throw "*'$planted'*"
    }

    It 'A runtime folder of this user that group or others may write is refused with the chmod that fixes it' {
        $folder = Join-Path $env:XDG_RUNTIME_DIR 'TcpLbModule'
        $null = New-Item -ItemType Directory -Path $folder
        & chmod 770 $folder

        { Get-TcpBalancer } | Should -Throw "The runtime folder '$folder' of detached servers has mode 0770: group or others may use it*chmod 700 '$folder'*"
        Get-Mode $folder | Should -BeLike '770 *'
    }

    It 'An entry owned by another user, a symbolic link or a group-writable entry is refused and no process is stopped through it' {
        $folder = Join-Path $env:XDG_RUNTIME_DIR 'TcpLbModule'
        $null = New-Item -ItemType Directory -Path $folder
        & chmod 700 $folder
        $entry = Join-Path $folder 'victim.json'
        $victim = [System.Diagnostics.Process]::Start('sleep', '300')
        $script:pids.Add($victim.Id)
        $json = New-PlantedEntry $folder $victim

        $cases = [ordered]@{ 'is a symbolic link' = {
                $target = Join-Path (New-PrivateFolder) 'victim.json'
                Set-Content -LiteralPath $target -Value $json -NoNewline
                & chmod 600 $target
                $null = New-Item -ItemType SymbolicLink -Path $entry -Target $target
            }
            'has mode 0660: group or others may use it' = {
                Set-Content -LiteralPath $entry -Value $json -NoNewline
                & chmod 660 $entry
            }
        }
        if ($script:isRoot) {
            $cases["is owned by uid $script:otherUid, not by the current user (uid 0)"] = {
                Set-Content -LiteralPath $entry -Value $json -NoNewline
                & chmod 600 $entry
                & chown $script:other $entry
            }
        }
        foreach ($case in $cases.GetEnumerator()) {
            & $case.Value

            $stop = try { Stop-TcpBackend -Name victim; $null } catch { $_ }
            $list = try { Get-TcpBackend -Name victim; $null } catch { $_ }

            $stop | Should -Not -BeNullOrEmpty -Because "an entry that $($case.Key) is not trusted"
            $stop.FullyQualifiedErrorId | Should -BeExactly 'DetachedRegistryUnsafe,TcpLbModule.Commands.StopTcpBackendCommand'
            $stop.Exception.Message | Should -BeLike "The detached server entry '$entry' $($case.Key), so it is not trusted*Remove it (rm '$entry')*"
            $list.FullyQualifiedErrorId | Should -BeExactly 'DetachedRegistryUnsafe,TcpLbModule.Commands.GetTcpBackendCommand'
            Test-Alive $victim | Should -BeTrue -Because 'no process is killed through an untrusted entry'
            Test-Path -LiteralPath $entry | Should -BeTrue -Because 'the entry is left for the user to inspect'
            Remove-Item -LiteralPath $entry -Force
        }
        # The same entry written by this user, mode 0600, is trusted (it is listed).
        Set-Content -LiteralPath $entry -Value $json -NoNewline
        & chmod 600 $entry
        (Get-TcpBackend -Name victim).Pid | Should -Be $victim.Id
        $cases.Count | Should -Be ($script:isRoot ? 3 : 2)
    }

    It 'A live server''s entry and pipe survive the moments its pipe''s socket file is missing or unbound (PowerShell reopens its pipe after each client)' {
        $live = Start-DetachedBackend registry-reopening
        $pipe = Get-PipeFile $live.PipeName
        $aside = Join-Path (New-PrivateFolder) 'pipe'   # a name no sweep looks at
        $script:files.Add($aside)
        & mv -- $pipe $aside

        # Missing: still listed (a look-up used to delete the entry and orphan the running server).
        (Get-TcpBackend -Name registry-reopening).Pid | Should -Be $live.Pid

        # Unbound (a closed socket's file, as between a reopen's close and unlink): another start's sweep spares it.
        $unbound = [System.Net.Sockets.Socket]::new([System.Net.Sockets.AddressFamily]::Unix, [System.Net.Sockets.SocketType]::Stream, [System.Net.Sockets.ProtocolType]::Unspecified)
        $unbound.Bind([System.Net.Sockets.UnixDomainSocketEndPoint]::new("$pipe.bound"))
        $null = New-Item -ItemType HardLink -Path $pipe -Value "$pipe.bound"
        $unbound.Dispose()   # deletes "$pipe.bound"; the link stays, bound to nothing
        & stat -c '%F' $pipe | Should -Be 'socket'
        $other = Start-DetachedBackend registry-sweeper
        $pipe | Should -Exist -Because 'the sweep spares the pipe of a live registered server'

        & mv -f -- $aside $pipe
        $live | Stop-TcpBackend
        $other | Stop-TcpBackend
        Get-TcpBackend -Name registry-* | Should -BeNullOrEmpty
        $pipe | Should -Not -Exist
    }

    It 'A detached server''s folder and entry are its user''s alone, and no pipe socket file outlives a stopped or killed server' {
        $self = & id -u
        $killed = Start-DetachedBackend registry-killed
        $folder = Join-Path $env:XDG_RUNTIME_DIR 'TcpLbModule'
        Get-Mode $folder | Should -Be "700 $self"
        Get-Mode (Join-Path $folder 'registry-killed.json') | Should -Be "600 $self"
        $killedPipe = Get-PipeFile $killed.PipeName
        $killedPipe | Should -Exist

        # Killed: nothing of its own deletes the socket file; the next start sweeps it away, entry or not.
        Stop-Process -Id $killed.Pid -Force
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while ((Get-Process -Id $killed.Pid -ErrorAction SilentlyContinue) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        $killedPipe | Should -Exist
        $env:XDG_RUNTIME_DIR = New-PrivateFolder
        $stopped = Start-DetachedBackend registry-stopped
        $killedPipe | Should -Not -Exist -Because 'a start sweeps away the socket files whose server is gone'
        $stoppedPipe = Get-PipeFile $stopped.PipeName
        $stoppedPipe | Should -Exist

        $stopped | Stop-TcpBackend

        $stoppedPipe | Should -Not -Exist -Because 'a stopped server deletes its socket file'
    }
}
