# Issue 13, items 1-3 through the cmdlets: the warning for listeners beyond loopback, access rules
# (-AllowFrom, -DenyFrom, Set/Get-TcpBalancerAccess) and the per-source limits. Clients connect from
# 127.x source addresses; listeners on 0.0.0.0 or :: are only ever reached through loopback and stop at once.

Describe 'SecurityTests' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../module/TcpLbModule.psd1') -Force
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

        # SecurityTests.Ask: connects from $From to 127.0.0.1:$Port, sends a line, half-closes and
        # reads: the reply text, or $null when the balancer reset the connection.
        function Ask([int] $Port, [string] $From) {
            $socket = New-TcpSocket
            try {
                $socket.Bind([System.Net.IPEndPoint]::new([System.Net.IPAddress]::Parse($From), 0))
                $socket.ReceiveTimeout = 20000
                $socket.Connect([System.Net.IPAddress]::Loopback, $Port)
                $null = $socket.Send([System.Text.Encoding]::ASCII.GetBytes("Hello`n"))
                $socket.Shutdown([System.Net.Sockets.SocketShutdown]::Send)
                $buffer = [byte[]]::new(1024)
                $text = ''
                while (($read = $socket.Receive($buffer)) -gt 0) { $text += [System.Text.Encoding]::ASCII.GetString($buffer, 0, $read) }
                $text
            }
            catch [System.Net.Sockets.SocketException] {
                if ($_.Exception.SocketErrorCode -in 'ConnectionReset', 'ConnectionAborted') { $null } else { throw }
            }
            finally { $socket.Dispose() }
        }
    }

    AfterEach {
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
    }

    It 'Warns with the way to restrict it when a <Cmdlet> listens on <Address>' -TestCases @(
        @{ Cmdlet = 'Start-TcpBalancer'; Address = '0.0.0.0' }
        @{ Cmdlet = 'Start-TcpBalancer'; Address = '::' }
        @{ Cmdlet = 'Start-TcpBackend'; Address = '0.0.0.0' }
        @{ Cmdlet = 'Start-TcpBackend'; Address = '::' }
    ) {
        param($Cmdlet, $Address)
        $backend = Start-TcpBackend -Port 0
        $job = if ($Cmdlet -eq 'Start-TcpBalancer') {
            Start-TcpBalancer -Port 0 -Backend $backend -ListenAddress $Address -WarningVariable warnings -WarningAction SilentlyContinue
        }
        else {
            Start-TcpBackend -Port 0 -ListenAddress $Address -WarningVariable warnings -WarningAction SilentlyContinue
        }
        Stop-Job $job   # listened only for as long as it takes to read the warning

        @($warnings) | Should -HaveCount 1
        "$($warnings[0])" | Should -BeLike "$Cmdlet listens on *:$($job.Port)*other hosts*can connect*-AllowFrom*"
    }

    It 'Does not warn for loopback listeners, nor when -AllowFrom restricts a wider one' {
        $backend = Start-TcpBackend -Port 0 -WarningVariable w1
        $null = Start-TcpBackend -Port 0 -ListenAddress ::1 -WarningVariable w2
        $null = Start-TcpBalancer -Port 0 -Backend $backend -WarningVariable w3
        $null = Start-TcpBalancer -Port 0 -Backend $backend -ListenAddress localhost -WarningVariable w4
        $wide = Start-TcpBalancer -Port 0 -Backend $backend -ListenAddress 0.0.0.0 -AllowFrom 127.0.0.1 -WarningVariable w5
        Stop-Job $wide

        @($w1) + @($w2) + @($w3) + @($w4) + @($w5) | Should -HaveCount 0
    }

    It 'Allows, denies (deny over allow), counts per rule, and changes at run time' {
        $backend = Start-TcpBackend -Port 0
        $lb = Start-TcpBalancer -Port 0 -Backend $backend -Name sec -AllowFrom 127.0.0.0/24, ::1 -DenyFrom 127.0.0.3

        Ask $lb.Port 127.0.0.2 | Should -BeLike 'Response from server*'
        Ask $lb.Port 127.0.0.3 | Should -BeNullOrEmpty
        Ask $lb.Port 127.0.1.9 | Should -BeNullOrEmpty

        $lb.Denied | Should -Be 2
        $rules = @(Get-TcpBalancerAccess -Name sec)
        ($rules | ForEach-Object { "$($_.Action) $($_.Range) $($_.Matches)" }) -join '; ' |
            Should -Be 'Deny 127.0.0.3 1; Allow 127.0.0.0/24 1; Allow ::1 0; Deny * 1'

        $now = @(Set-TcpBalancerAccess $lb -DenyFrom 127.0.0.2 -PassThru)
        ($now | ForEach-Object { "$($_.Action) $($_.Range) $($_.Matches)" }) -join '; ' |
            Should -Be 'Deny 127.0.0.2 0; Allow 127.0.0.0/24 0; Allow ::1 0; Deny * 0'
        Ask $lb.Port 127.0.0.2 | Should -BeNullOrEmpty
        Ask $lb.Port 127.0.0.3 | Should -BeLike 'Response from server*'

        Set-TcpBalancerAccess -Id $lb.Id -AllowFrom @() -DenyFrom @()
        @(Get-TcpBalancerAccess $lb) | Should -HaveCount 0
        Ask $lb.Port 127.0.1.9 | Should -BeLike 'Response from server*'
        $lb.Denied | Should -Be 3
        # Every connection ends in one count once it is over; the last one's reply can reach the
        # client before the balancer has closed it, so wait for it to be over.
        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        while ($lb.Active -gt 0 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
        $lb.Active | Should -Be 0
        $lb.Accepted | Should -Be ($lb.Served + $lb.Failed + $lb.Rejected + $lb.Denied + $lb.LoopsCut)
    }

    It 'Refuses a bad rule with its text and changes nothing' {
        $backend = Start-TcpBackend -Port 0
        $err = { Start-TcpBalancer -Port 0 -Backend $backend -AllowFrom 10.0.0.0/33 } | Should -Throw -ErrorId 'InvalidAccessRule*' -PassThru
        $err.Exception.Message | Should -BeLike "*-AllowFrom '10.0.0.0/33'*0 to 32*10.0.0.0/8*"
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        @(Get-Job | Where-Object PSJobTypeName -eq TcpBalancer) | Should -HaveCount 0

        $lb = Start-TcpBalancer -Port 0 -Backend $backend -DenyFrom 127.0.0.9
        $err = { Set-TcpBalancerAccess $lb -DenyFrom 127.0.0.5, 'nonsense' } | Should -Throw -ErrorId 'InvalidAccessRule*' -PassThru
        $err.Exception.Message | Should -BeLike "*'nonsense'*"
        (Get-TcpBalancerAccess $lb).Range | Should -Be '127.0.0.9'

        { Set-TcpBalancerAccess $lb } | Should -Throw -ErrorId 'NoAccessChange*'
        { Start-TcpBackend -Port 0 -DenyFrom '::1/129' } | Should -Throw -ErrorId 'InvalidAccessRule*'
        { Start-TcpBalancer -Port 0 -Backend $backend -ConnectionRatePerSource '10/h' } | Should -Throw -ErrorId 'InvalidConnectionRate*'
    }

    It 'Resets a source over -MaxConnectionsPerSource at once while other sources are served' {
        $backend = Start-TcpBackend -Port 0 -Mode Echo
        $lb = Start-TcpBalancer -Port 0 -Backend $backend -MaxConnections 4 -MaxConnectionsPerSource 2
        $held = foreach ($i in 1..2) {
            $socket = New-TcpSocket
            $socket.Bind([System.Net.IPEndPoint]::new([System.Net.IPAddress]::Parse('127.0.0.7'), 0))
            $socket.Connect([System.Net.IPAddress]::Loopback, $lb.Port)
            $socket
        }
        try {
            # Both held connections are through to the backend before the third tries.
            $deadline = [DateTime]::UtcNow.AddSeconds(20)
            while ($backend.ConnectionsAccepted -lt 2 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
            Ask $lb.Port 127.0.0.7 | Should -BeNullOrEmpty
            Ask $lb.Port 127.0.0.8 | Should -Be "Hello`n"
            $lb.SourceLimited | Should -Be 1
            $lb.Rejected | Should -Be 1
        }
        finally { $held | ForEach-Object { $_.Dispose() } }
    }

    It 'Resets a source over -ConnectionRatePerSource and counts it' {
        $backend = Start-TcpBackend -Port 0
        $lb = Start-TcpBalancer -Port 0 -Backend $backend -ConnectionRatePerSource 5/m
        $answers = foreach ($i in 1..8) { Ask $lb.Port 127.0.0.9 }
        @($answers | Where-Object { $_ }) | Should -HaveCount 5
        $lb.SourceLimited | Should -Be 3
        Ask $lb.Port 127.0.0.10 | Should -BeLike 'Response from server*'
    }

    It 'A backend with -AllowFrom resets other sources' {
        $backend = Start-TcpBackend -Port 0 -AllowFrom 127.0.0.1 -DenyFrom 127.0.0.1
        Ask $backend.Port 127.0.0.1 | Should -BeNullOrEmpty
        $backend2 = Start-TcpBackend -Port 0 -AllowFrom 127.0.0.11
        Ask $backend2.Port 127.0.0.11 | Should -BeLike 'Response from server*'
        Ask $backend2.Port 127.0.0.12 | Should -BeNullOrEmpty
    }

    It 'Tells a backend the real client with -SendProxyProtocol <Version>' -TestCases @(@{ Version = 'V1' }, @{ Version = 'V2' }) {
        param($Version)
        $backend = Start-TcpBackend -Port 0 -AcceptProxyProtocol -ReportClient
        $lb = Start-TcpBalancer -Port 0 -Backend $backend -SendProxyProtocol $Version

        $results = @(Invoke-TcpProbe -Port $lb.Port -ComputerName 127.0.0.1 -Count 2)

        $results | ForEach-Object {
            $_.Status | Should -Be 'Success'
            $_.Response | Should -Match "^Response from server running on port $($backend.Port) for 127\.0\.0\.1:\d+$"
            $_.Backend | Should -Be $backend.Port
        }
        $backend.BadProxyHeaders | Should -Be 0
    }

    It 'Resets and counts a client without a PROXY header when the balancer expects one' {
        $backend = Start-TcpBackend -Port 0
        $lb = Start-TcpBalancer -Port 0 -Backend $backend -AcceptProxyProtocol -ProxyHeaderTimeout 2000

        $result = Invoke-TcpProbe -Port $lb.Port -ComputerName 127.0.0.1 -Count 1

        $result.Status | Should -Be 'Reset'
        $lb.BadProxyHeaders | Should -Be 1
        $lb.Failed | Should -Be 1
        $backend.ConnectionsAccepted | Should -Be 0
    }

    It 'Changes and lists the rules of a detached balancer from this process' {
        $backend = Start-TcpBackend -Port 0
        $name = 'sec-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $lb = Start-TcpBalancer -Port 0 -Backend $backend -Detached -Name $name -AllowFrom 127.0.0.0/8 -MaxConnectionsPerSource 50
        try {
            Ask $lb.Port 127.0.0.2 | Should -BeLike 'Response from server*'

            Set-TcpBalancerAccess -Name $name -DenyFrom 127.0.0.2
            Ask $lb.Port 127.0.0.2 | Should -BeNullOrEmpty
            $rules = @(Get-TcpBalancer -Name $name | Get-TcpBalancerAccess)
            ($rules | ForEach-Object { "$($_.Action) $($_.Range) $($_.Matches)" }) -join '; ' |
                Should -Be 'Deny 127.0.0.2 1; Allow 127.0.0.0/8 0; Deny * 0'

            Set-TcpBalancerAccess -Name $name -DenyFrom @()
            Ask $lb.Port 127.0.0.2 | Should -BeLike 'Response from server*'
        }
        finally {
            Get-TcpBalancer -Name $name | Stop-TcpBalancer
        }
    }
}
