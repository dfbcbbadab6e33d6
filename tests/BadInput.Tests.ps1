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
}
