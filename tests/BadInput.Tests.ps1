# Bad input through the cmdlets: a terminating error that names the value and says what is
# accepted, and nothing left running.
# Needs the built module (dotnet build); ./build.ps1 -Task Test runs every file under Pester 5 or 6.

Describe 'BadInputTests' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../module/TcpLbModule.psd1') -Force
        # Every test starts from an empty job table.
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force

        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

        # BadInputTests.HoldPort: a listening socket on an ephemeral loopback port.
        function New-HeldPort {
            $holder = New-TcpSocket
            $holder.Bind([System.Net.IPEndPoint]::new([System.Net.IPAddress]::Loopback, 0))
            $holder.Listen(1)
            $holder
        }
    }

    AfterEach {
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
    }

    It 'Backend port in use is a terminating error and leaves no job' {
        $holder = New-HeldPort
        try {
            $port = $holder.LocalEndPoint.Port

            $err = { Start-TcpBackend -Port $port } | Should -Throw -ErrorId 'PortInUse*' -PassThru

            $err.Exception.Message | Should -BeLikeExactly "*Port $port*"
            $err.Exception.Message | Should -BeLikeExactly '*already in use*'
            @(Get-Job).Count | Should -Be 0
        }
        finally {
            $holder.Dispose()
        }
    }

    It 'A later port in use stops the backends the same call started' {
        $holder = New-HeldPort
        try {
            $port = $holder.LocalEndPoint.Port
            $free = Get-FreePort

            $err = { Start-TcpBackend -Port $free, $port } | Should -Throw -PassThru

            $err.Exception.Message | Should -BeLikeExactly "*Port $port*"
            @(Get-Job).Count | Should -Be 0
            Test-PortFree $free | Should -BeTrue
        }
        finally {
            $holder.Dispose()
        }
    }

    It 'Balancer port in use is a terminating error and leaves no job' {
        $holder = New-HeldPort
        try {
            $port = $holder.LocalEndPoint.Port

            $err = { Start-TcpBalancer -Port $port -Backend 8088 } | Should -Throw -ErrorId 'PortInUse*' -PassThru

            $err.Exception.Message | Should -BeLikeExactly "*Port $port*"
            @(Get-Job).Count | Should -Be 0
        }
        finally {
            $holder.Dispose()
        }
    }

    It 'Port out of range names the value and the range: <Command>' -ForEach @(
        @{ Command = 'Start-TcpBalancer -Port 70000 -Backend 8088'; Value = '70000'; Accepted = '65535' }
        @{ Command = 'Start-TcpBalancer -Port -1 -Backend 8088'; Value = '-1'; Accepted = 'minimum allowed range of 0' }
        @{ Command = 'Start-TcpBackend -Port 65536'; Value = '65536'; Accepted = '65535' }
        @{ Command = 'Invoke-TcpProbe -Port 0'; Value = '0'; Accepted = 'minimum allowed range of 1' }
    ) {
        $err = [scriptblock]::Create($Command) | Should -Throw -PassThru

        $err.Exception.Message | Should -BeLikeExactly "*The $Value argument*"
        $err.Exception.Message | Should -BeLikeExactly "*$Accepted*"
        @(Get-Job).Count | Should -Be 0
    }

    It "Unparsable backend names the value and the accepted forms: '<Backend>'" -ForEach @(
        @{ Backend = 'foo:bar' }
        @{ Backend = 'localhost:' }
        @{ Backend = '::1:80' }
        @{ Backend = '99999' }
    ) {
        $err = { Start-TcpBalancer -Port 0 -Backend $Backend } | Should -Throw -ErrorId 'InvalidBackend*' -PassThru

        $err.Exception.Message | Should -BeLikeExactly "*'$Backend'*"
        $err.Exception.Message | Should -BeLikeExactly '*Accepted:*'
        @(Get-Job).Count | Should -Be 0
    }

    It 'A backend host that does not resolve is named' {
        { Start-TcpBalancer -Port 0 -Backend 'no-such-host.invalid:80' } |
            Should -Throw -ExpectedMessage '*no-such-host.invalid*'

        @(Get-Job).Count | Should -Be 0
    }

    It 'No backends is a terminating error: <Command>' -ForEach @(
        @{ Command = 'Start-TcpBalancer -Port 0 -Backend @()' }
        @{ Command = '@() | Start-TcpBalancer -Port 0' }
    ) {
        $err = [scriptblock]::Create($Command) | Should -Throw -ErrorId 'NoBackends*' -PassThru

        $err.Exception.Message | Should -BeLikeExactly '*no backends*'
        @(Get-Job).Count | Should -Be 0
    }

    It 'A stopped backend job is not accepted as a backend' {
        $b = Start-TcpBackend 0
        Stop-Job $b

        { Start-TcpBalancer -Port 0 -Backend $b } | Should -Throw -ExpectedMessage '*Stopped*'

        @(Get-Job).Count | Should -Be 1
    }

    It 'Bad listen address is named' {
        { Start-TcpBackend 0 -ListenAddress 'not an address!' } | Should -Throw -ExpectedMessage '*not an address!*'

        @(Get-Job).Count | Should -Be 0
    }

    It "A balancer that is its own backend is refused before it listens: '<Backend>'" -ForEach @(
        @{ Backend = 'PORT' }
        @{ Backend = '127.0.0.1:PORT' }
        @{ Backend = 'localhost:PORT' }
        @{ Backend = '0.0.0.0:PORT' }
        @{ Backend = '[::]:PORT' }
    ) {
        $port = Get-FreePort
        $value = $Backend.Replace('PORT', "$port")

        $err = { Start-TcpBalancer -Port $port -Backend $value } | Should -Throw -ErrorId 'BackendIsBalancer*' -PassThru

        $err.Exception.Message | Should -BeLikeExactly "*own listener (127.0.0.1:$port)*"
        $err.TargetObject | Should -BeLikeExactly "*:$port"
        @(Get-Job).Count | Should -Be 0
        Test-PortFree $port | Should -BeTrue
    }

    It 'Add-TcpBalancerBackend refuses the balancer''s own bound port and keeps the pool' {
        $b = Start-TcpBackend 0
        $lb = Start-TcpBalancer -Port 0 -Backend $b

        $err = { Add-TcpBalancerBackend $lb -Backend $lb.Port } | Should -Throw -ErrorId 'BackendIsBalancer*' -PassThru

        $err.Exception.Message | Should -BeLikeExactly "*127.0.0.1:$($lb.Port) is this balancer's own listener*"
        $lb.Backends | Should -Be @("127.0.0.1:$($b.Port)")
        $lb.State | Should -Be 'Running'
    }

    It 'A backend given twice is an error naming it, and nothing changes: <Command>' -ForEach @(
        @{ Command = 'Start-TcpBalancer -Port 0 -Backend $b, $b, $b' }
        @{ Command = 'Start-TcpBalancer -Port 0 -Backend $b.Port, "127.0.0.1:$($b.Port)"' }
        @{ Command = 'Add-TcpBalancerBackend $lb -Backend $c, $c' }
        @{ Command = 'Remove-TcpBalancerBackend $lb -Backend $b, $b' }
    ) {
        $b = Start-TcpBackend 0
        $c = Start-TcpBackend 0
        $lb = Start-TcpBalancer -Port 0 -Backend $b

        # Run in this scope, where $b, $c and $lb are.
        $err = { . ([scriptblock]::Create($Command)) } | Should -Throw -ErrorId 'DuplicateBackend*' -PassThru

        $err.Exception.Message | Should -BeLikeExactly "*-Backend: 127.0.0.1:* is given more than once. Give each backend once.*"
        @(Get-Job -Name 'TcpBalancer*').Count | Should -Be 1
        $lb.Backends | Should -Be @("127.0.0.1:$($b.Port)")
    }

    It 'Add-TcpBalancerBackend refuses a stopped backend job, as Start-TcpBalancer does' {
        $b = Start-TcpBackend 0
        $lb = Start-TcpBalancer -Port 0 -Backend $b
        $stopped = Start-TcpBackend 0
        Stop-Job $stopped

        $err = { Add-TcpBalancerBackend $lb -Backend $stopped } | Should -Throw -ErrorId 'InvalidBackend*' -PassThru

        $err.Exception.Message | Should -BeLikeExactly "*'$($stopped.Name)'*is Stopped, not Running*"
        $lb.Backends | Should -Be @("127.0.0.1:$($b.Port)")
    }

    It "Invoke-TcpProbe refuses a bad target before it starts anything: -ComputerName '<Name>' <AsJob>" -ForEach @(
        @{ Name = 'nosuchhost.invalid'; AsJob = $true; Expected = "*'nosuchhost.invalid' could not be resolved*" }
        @{ Name = '::1:8080'; AsJob = $false; Expected = "*'::1:8080' looks like an IPv6 address with a port, ``[::1``]:8080. Give the host alone and the port with -Port*" }
        @{ Name = '::1:8080'; AsJob = $true; Expected = "*``[::1``]:8080*-Port*" }
        @{ Name = 'localhost:8080'; AsJob = $false; Expected = "*'localhost:8080' includes a port. Give the host alone and the port with -Port: -ComputerName localhost -Port 8080.*" }
        @{ Name = '[::1]:8080'; AsJob = $true; Expected = "*'``[::1``]:8080' includes a port*-ComputerName ::1 -Port 8080*" }
    ) {
        $err = { Invoke-TcpProbe -ComputerName $Name -Port 1 -Count 1 -AsJob:$AsJob } | Should -Throw -ErrorId 'InvalidProbeTarget*' -PassThru

        $err.Exception.Message | Should -BeLikeExactly $Expected
        $err.TargetObject | Should -BeExactly $Name
        @(Get-Job).Count | Should -Be 0
    }

    It 'Health-check settings with -HealthCheckInterval 0 are refused, naming them: <Given>' -ForEach @(
        @{ Given = '-Fall'; Command = 'Start-TcpBalancer -Port 0 -Backend $b -HealthCheckInterval 0 -Fall 2' }
        @{ Given = '-Rise'; Command = 'Start-TcpBalancer -Port 0 -Backend $b -HealthCheckInterval 0 -Rise 2' }
        @{ Given = '-HealthCheckTimeout'; Command = 'Start-TcpBalancer -Port 0 -Backend $b -HealthCheckInterval 0 -HealthCheckTimeout 500' }
        @{ Given = '-HealthCheckSend, -HealthCheckExpect'; Command = 'Start-TcpBalancer -Port 0 -Backend $b -HealthCheckInterval 0 -HealthCheckSend ping -HealthCheckExpect pong' }
    ) {
        $b = Start-TcpBackend 0

        $err = { . ([scriptblock]::Create($Command)) } | Should -Throw -ErrorId 'HealthCheckParameterWithoutChecks*' -PassThru

        $err.Exception.Message | Should -BeLikeExactly "$Given cannot be used with -HealthCheckInterval 0: an interval of 0 turns health checks off*"
        @(Get-Job -Name 'TcpBalancer*').Count | Should -Be 0
    }

    It 'Two balancers that are each other''s backend are refused, a chain of two is not' {
        $b = Start-TcpBackend 0
        $first = Start-TcpBalancer -Port 0 -Backend $b
        $second = Start-TcpBalancer -Port 0 -Backend $first.Port

        $err = { Add-TcpBalancerBackend $first -Backend $second.Port } | Should -Throw -ErrorId 'BackendIsBalancer*' -PassThru

        $err.Exception.Message | Should -BeLikeExactly "*127.0.0.1:$($second.Port) is the balancer on 127.0.0.1:$($second.Port), whose backends lead back to this balancer (127.0.0.1:$($first.Port))*"
        $first.Backends | Should -Be @("127.0.0.1:$($b.Port)")
        (Invoke-TcpProbe -Port $second.Port -ComputerName 127.0.0.1 -Count 2).Backend | Should -Be @($b.Port, $b.Port)
    }

    It 'A name too long or with a control character is refused, on the command line and in a file: <Case>' -ForEach @(
        @{ Case = '129 characters'; Name = 'n' * 129; Why = '129 characters, more than 128' }
        @{ Case = '10 MB'; Name = 'n' * 10MB; Why = '10485760 characters, more than 128' }
        @{ Case = 'a new line'; Name = "two`nlines"; Why = 'a control character, U+000A, at position 4' }
    ) {
        $accepted = 'Accepted: a name of 1 to 128 characters (letters, digits, spaces and punctuation; no control characters such as a new line or tab).'
        $backend = { Start-TcpBackend -Port 0 -Name $Name } | Should -Throw -ErrorId 'ParameterArgumentValidationError,TcpLbModule.Commands.StartTcpBackendCommand' -PassThru
        $balancer = { Start-TcpBalancer -Port 0 -Backend 1 -Name $Name } | Should -Throw -ErrorId 'ParameterArgumentValidationError,TcpLbModule.Commands.StartTcpBalancerCommand' -PassThru
        $path = Join-Path $TestDrive 'named.psd1'
        Set-Content -LiteralPath $path -Value "@{`n  Server = @(`n    @{ Listen = 0; Forward = @{ Backends = @('1') }`n      Name = '$Name' }`n  )`n}"
        $file = { Start-TcpBalancer -ConfigurationPath $path } | Should -Throw -ErrorId 'InvalidConfigurationFile,TcpLbModule.Commands.StartTcpBalancerCommand' -PassThru

        $shown = $Name.Substring(0, [Math]::Min(40, $Name.Length)).Replace("`n", '\u000a') + ($Name.Length -gt 40 ? '...' : '')
        foreach ($err in $backend, $balancer) {
            $err.Exception.Message | Should -BeExactly "Cannot validate argument on parameter 'Name'. '$shown' is not accepted ($Why). $accepted"
        }
        $file.Exception.Message | Should -BeExactly "$path, line 4: Server[0].Name: `"$shown`" is not valid ($Why). $accepted"
        @(Get-Job) | Should -HaveCount 0
    }

    It 'A name of 128 characters is accepted, in any script' {
        $name = ('名' * 100) + ('n' * 28)

        $job = Start-TcpBackend -Port 0 -Name $name

        $job.Name | Should -BeExactly $name
        (Invoke-TcpProbe -Port $job.Port -Count 1).Status | Should -Be 'Success'
    }
}
