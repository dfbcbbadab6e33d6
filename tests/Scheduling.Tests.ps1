# The balancing algorithms, weights and backup backends, through the cmdlets with real test
# backends: exact sequences for the deterministic algorithms, statistical bounds for the random
# ones. Needs the built module (dotnet build); ./build.ps1 -Task Test runs every file under Pester 5 or 6.

Describe 'SchedulingTests' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../module/TcpLbModule.psd1') -Force
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

        # The backend ports that answered, one per connection, in order.
        function Get-ProbeSequence {
            param([int] $Port, [int] $Count, [int] $Concurrency = 1)
            $results = @(Invoke-TcpProbe -Port $Port -Count $Count -Concurrency $Concurrency -Timeout 30000 | Sort-Object Sequence)
            $results | ForEach-Object { $_.Status | Should -BeExactly 'Success' }
            @($results | ForEach-Object Backend)
        }

        # A connection from a given loopback source address (127.x.y.z), left open; its reply names the backend.
        function Connect-FromSource {
            param([int] $Port, [string] $Source = '127.0.0.1')
            $socket = New-TcpSocket
            $socket.ReceiveTimeout = 30000
            $socket.Bind([System.Net.IPEndPoint]::new([System.Net.IPAddress]::Parse($Source), 0))
            $socket.Connect([System.Net.IPEndPoint]::new([System.Net.IPAddress]::Loopback, $Port))
            $null = $socket.Send([System.Text.Encoding]::ASCII.GetBytes("Hello`n"))
            $buffer = [byte[]]::new(256)
            $text = ''
            while ($text -notmatch 'port (\d+)') {
                $read = $socket.Receive($buffer)
                $read | Should -BeGreaterThan 0 -Because 'the backend answers before it closes'
                $text += [System.Text.Encoding]::ASCII.GetString($buffer, 0, $read)
            }
            [pscustomobject]@{ Socket = $socket; Backend = [int]$Matches[1] }
        }

        function Get-BackendFromSource {
            param([int] $Port, [string] $Source)
            $connection = Connect-FromSource -Port $Port -Source $Source
            $connection.Socket.Dispose()
            $connection.Backend
        }
    }

    AfterEach {
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
    }

    It 'WeightedRoundRobin with weights 5,1,1 sends a a b a c a a, twice over' {
        $a, $b, $c = Start-TcpBackend -Port 0, 0, 0
        $lb = Start-TcpBalancer -Port 0 -Backend "$($a.Port);weight=5", $b, $c -Algorithm WeightedRoundRobin -HealthCheckInterval 0

        $sequence = Get-ProbeSequence $lb.Port 14

        $expected = @($a, $a, $b, $a, $c, $a, $a) | ForEach-Object Port
        $sequence | Should -Be ($expected + $expected)
        $lb.Algorithm | Should -Be 'WeightedRoundRobin'
        (Get-TcpBalancerBackend $lb).Weight | Should -Be @(5, 1, 1)
    }

    It 'Set-TcpBalancerBackend -Weight changes the distribution for new connections' {
        $a, $b = Start-TcpBackend -Port 0, 0
        $lb = Start-TcpBalancer -Port 0 -Backend $a, $b -Algorithm WeightedRoundRobin -HealthCheckInterval 0
        Get-ProbeSequence $lb.Port 4 | Should -Be @($a.Port, $b.Port, $a.Port, $b.Port)

        $status = Set-TcpBalancerBackend $lb -Backend $a -Weight 3 -PassThru

        $status.Weight | Should -Be 3
        # Smooth weights 3,1: a a b a, from the start of the new sequence.
        Get-ProbeSequence $lb.Port 8 | Should -Be (@($a, $a, $b, $a, $a, $a, $b, $a) | ForEach-Object Port)
        Set-TcpBalancerBackend -Name $lb.Name -Backend $a.Port -Weight 1 -WhatIf
        (Get-TcpBalancerBackend $lb -Backend $a).Weight | Should -Be 3
        { Set-TcpBalancerBackend $lb -Backend 1 -Weight 2 -ErrorAction Stop } | Should -Throw -ErrorId 'BackendNotFound,TcpLbModule.Commands.SetTcpBalancerBackendCommand'
        { Set-TcpBalancerBackend $lb -Backend $a -Weight 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,TcpLbModule.Commands.SetTcpBalancerBackendCommand'
    }

    It 'A backup gets connections only once every primary is disabled or down, and is counted' {
        $p1, $p2, $spare = Start-TcpBackend -Port 0, 0, 0
        $lb = Start-TcpBalancer -Port 0 -Backend $p1, $p2, "$($spare.Port);backup" -HealthCheckInterval 100 -HealthCheckTimeout 1000 -Fall 2 -Rise 2

        Get-ProbeSequence $lb.Port 6 | Should -Not -Contain $spare.Port
        Disable-TcpBalancerBackend $lb -Backend $p1
        Get-ProbeSequence $lb.Port 3 | Should -Be @($p2.Port, $p2.Port, $p2.Port)
        $lb.SentToBackup | Should -Be 0

        $p2Port = $p2.Port
        Stop-Job $p2
        $null = Wait-TcpBalancerBackend $lb -Backend $p2Port -State Down -Timeout 30000
        Get-ProbeSequence $lb.Port 3 | Should -Be @($spare.Port, $spare.Port, $spare.Port)

        $lb.SentToBackup | Should -Be 3
        $row = Get-TcpBalancerBackend $lb -Backend $spare
        $row.Backup | Should -BeTrue
        $row.TotalConnections | Should -Be 3
        (Get-TcpBalancerBackend $lb -Backend $p1).Backup | Should -BeFalse
        Enable-TcpBalancerBackend $lb -Backend $p1
        Get-ProbeSequence $lb.Port 2 | Should -Be @($p1.Port, $p1.Port)
        $lb.SentToBackup | Should -Be 3
    }

    It 'LeastConnections sends a new connection to the backend with none open' {
        $a, $b, $c = Start-TcpBackend -Port 0, 0, 0
        $lb = Start-TcpBalancer -Port 0 -Backend $a, $b, $c -Algorithm LeastConnections -HealthCheckInterval 0
        $held = @()
        try {
            $held += Connect-FromSource $lb.Port
            $held += Connect-FromSource $lb.Port
            $held.Backend | Should -Be @($a.Port, $b.Port)     # empty backends tie: in turn

            Get-ProbeSequence $lb.Port 1 | Should -Be @($c.Port) # the only one with none open
            # The probe has closed its connection; the balancer counts it open until both sides are done.
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while ((Get-TcpBalancerBackend $lb -Backend $c).ActiveConnections -gt 0 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
            (Get-TcpBalancerBackend $lb).ActiveConnections | Should -Be @(1, 1, 0) -Because 'the probe''s connection is over'

            $held += Connect-FromSource $lb.Port
            $held[2].Backend | Should -Be $c.Port
            (Get-TcpBalancerBackend $lb).ActiveConnections | Should -Be @(1, 1, 1)
        }
        finally {
            $held | ForEach-Object { $_.Socket.Dispose() }
        }
    }

    It 'First fills the first backend, and the next once the first is full' {
        $a, $b = Start-TcpBackend -Port 0, 0
        $lb = Start-TcpBalancer -Port 0 -Backend "$($a.Port);max_connections=1", $b -Algorithm First -HealthCheckInterval 0
        Get-ProbeSequence $lb.Port 4 | Should -Be @($a.Port, $a.Port, $a.Port, $a.Port)

        $held = Connect-FromSource $lb.Port
        try {
            $held.Backend | Should -Be $a.Port
            Get-ProbeSequence $lb.Port 2 | Should -Be @($b.Port, $b.Port)
        }
        finally {
            $held.Socket.Dispose()
        }
    }

    It 'SourceHash keeps each client address on one backend and spreads the addresses' {
        $backends = Start-TcpBackend -Port 0, 0, 0
        $lb = Start-TcpBalancer -Port 0 -Backend $backends -Algorithm SourceHash -HealthCheckInterval 0

        @(Get-ProbeSequence $lb.Port 9 | Select-Object -Unique) | Should -HaveCount 1   # the probe connects from 127.0.0.1

        $first = @{}
        foreach ($i in 2..41) { $first["127.0.0.$i"] = Get-BackendFromSource $lb.Port "127.0.0.$i" }
        foreach ($source in $first.Keys) { Get-BackendFromSource $lb.Port $source | Should -Be $first[$source] -Because "$source keeps its backend" }
        # 40 addresses over 3 backends: all on one would be a broken hash (chance 3^-39).
        @($first.Values | Select-Object -Unique).Count | Should -BeGreaterThan 1
    }

    It 'Random and PowerOfTwoChoices follow the weights within statistical bounds' {
        $a, $b, $c = Start-TcpBackend -Port 0, 0, 0
        $random = Start-TcpBalancer -Port 0 -Backend $a, "$($b.Port);weight=3" -Algorithm Random -HealthCheckInterval 0
        $p2c = Start-TcpBalancer -Port 0 -Backend $a, $b, $c -Algorithm PowerOfTwoChoices -HealthCheckInterval 0

        $toA = @(Get-ProbeSequence $random.Port 200 -Concurrency 4 | Where-Object { $_ -eq $a.Port }).Count
        $shares = Get-ProbeSequence $p2c.Port 150 -Concurrency 4 | Group-Object | ForEach-Object Count

        # Random 1:3 over 200: 50 expected for a, a standard deviation of 6.1; 6 sigma either way
        # (an unweighted pick would give 100).
        $toA | Should -BeGreaterThan 13
        $toA | Should -BeLessThan 87
        # Two draws among three backends, the one with fewer open wins (the first drawn on a tie):
        # 50 each, a standard deviation of 5.8 at most; 6 sigma either way.
        $shares | Should -HaveCount 3
        foreach ($share in $shares) { $share | Should -BeGreaterThan 15; $share | Should -BeLessThan 85 }
    }

    It 'Every algorithm passes over Down, Disabled and Draining backends' {
        $backends = Start-TcpBackend -Port 0, 0, 0, 0
        $ports = $backends | ForEach-Object Port
        $lb = Start-TcpBalancer -Port 0 -Backend $backends -HealthCheckInterval 100 -Fall 2 -Rise 2
        Stop-Job $backends[1]
        $null = Wait-TcpBalancerBackend $lb -Backend $ports[1] -State Down -Timeout 30000
        Disable-TcpBalancerBackend $lb -Backend $ports[2]
        Disable-TcpBalancerBackend $lb -Backend $ports[3] -Drain

        foreach ($algorithm in [Enum]::GetValues([TcpLb.Engine.Balancing.BalancingAlgorithm])) {
            Update-TcpBalancer $lb -Algorithm $algorithm
            Get-ProbeSequence $lb.Port 6 | Should -Be (@($ports[0]) * 6) -Because "$algorithm"
        }
    }

    It 'Backend specs with settings and hashtables; a bad setting is an InvalidBackend error that lists the accepted ones' {
        $a, $b, $c = Start-TcpBackend -Port 0, 0, 0
        $lb = Start-TcpBalancer -Port 0 -Backend @{ Address = $a; Weight = 2 }, "$($b.Port);backup" -SlowStart 60000 -HealthCheckInterval 0
        Add-TcpBalancerBackend $lb -Backend "$($c.Port);weight=4" -Backup
        $rows = Get-TcpBalancerBackend $lb
        $rows.Weight | Should -Be @(2, 1, 4)
        $rows.Backup | Should -Be @($false, $true, $true)
        $lb.CurrentConfiguration().SlowStart.TotalMilliseconds | Should -Be 60000
        Disable-TcpBalancerBackend $lb -Backend $a
        Enable-TcpBalancerBackend $lb -Backend $a
        (Get-TcpBalancerBackend $lb).SlowStarting | Should -Be @($true, $false, $false)   # back Up: ramping for a minute

        foreach ($bad in "$($a.Port);weight=0", "$($a.Port);wieght=2") {
            $err = { Start-TcpBalancer -Port 0 -Backend $bad } | Should -Throw -ErrorId 'InvalidBackend,TcpLbModule.Commands.StartTcpBalancerCommand' -PassThru
            $err.Exception.Message | Should -BeLikeExactly "*'$bad'*"
            $err.Exception.Message | Should -BeLikeExactly '*weight=N (1 to 256*backup*max_connections=N*'
        }
        $err = { Start-TcpBalancer -Port 0 -Backend @{ Address = 8081; Wait = 3 } } | Should -Throw -ErrorId 'InvalidBackend,TcpLbModule.Commands.StartTcpBalancerCommand' -PassThru
        $err.Exception.Message | Should -BeLikeExactly "*'Wait' is not a backend setting. Accepted keys: Address*Weight*Backup*MaxConnections*"
        { Add-TcpBalancerBackend $lb -Backend '9;backup=maybe' } | Should -Throw -ErrorId 'InvalidBackend,TcpLbModule.Commands.AddTcpBalancerBackendCommand'
        { Start-TcpBalancer -Port 0 -Backend 1 -Algorithm Fastest } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,TcpLbModule.Commands.StartTcpBalancerCommand' -ExpectedMessage "*'Fastest' is not an algorithm. Accepted: RoundRobin (RR), WeightedRoundRobin (WRR)*"
        @(Get-Job | Where-Object PSJobTypeName -eq 'TcpBalancer') | Should -HaveCount 1
    }

    It 'A detached balancer gets the algorithm and the backend specs as given' {
        $a, $b = Start-TcpBackend -Port 0, 0
        $name = 'sched-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $detached = Start-TcpBalancer -Port 0 -Backend "$($a.Port);weight=3", @{ Address = $b.Port; Backup = $true } -Algorithm First -HealthCheckInterval 0 -Detached -Name $name
        try {
            Get-ProbeSequence $detached.Port 3 | Should -Be @($a.Port, $a.Port, $a.Port)
            $rows = Get-TcpBalancerBackend -Name $name
            $rows.Weight | Should -Be @(3, 1)
            $rows.Backup | Should -Be @($false, $true)
            (Set-TcpBalancerBackend -Name $name -Backend $a.Port -Weight 5 -PassThru).Weight | Should -Be 5
            $c = Start-TcpBackend -Port 0
            Add-TcpBalancerBackend -Name $name -Backend @{ Address = $c; Weight = 2 } -Backup
            $added = Get-TcpBalancerBackend -Name $name -Backend $c.Port
            $added.Weight | Should -Be 2
            $added.Backup | Should -BeTrue
            Disable-TcpBalancerBackend -Name $name -Backend $a.Port
            Get-ProbeSequence $detached.Port 2 | Should -Be @($b.Port, $b.Port)      # First among the backups too
        }
        finally {
            Stop-TcpBalancer -Name $name
        }
    }
}
