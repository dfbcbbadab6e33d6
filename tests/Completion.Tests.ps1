# Tab completion, as TabExpansion2 (what the console and editors call) gives it: running
# balancers and backends by name, id and port for -Name/-Id; pool members for -Backend, narrowed
# to the balancer already named on the command line; enum values for -State, -Fault, -Mode and -Algorithm.
# Needs the built module (dotnet build) and Pester 5: ./build.ps1 -Task Test runs it.

Describe 'Tab completion' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../module/TcpLbModule.psd1') -Force

        function Get-Completion {
            # The completion texts for the end of $Line.
            param([string] $Line)
            $result = TabExpansion2 -inputScript $Line -cursorColumn $Line.Length
            @($result.CompletionMatches | ForEach-Object CompletionText)
        }
    }

    BeforeEach {
        $script:backends = Start-TcpBackend -Port 0, 0, 0
        $script:web = Start-TcpBalancer -Port 0 -Backend $backends[0], $backends[1] -Name 'web lb'
        $script:api = Start-TcpBalancer -Port 0 -Backend $backends[2] -Name 'api'
        $script:address = @($backends | ForEach-Object { "127.0.0.1:$($_.Port)" })
    }

    AfterEach {
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
    }

    It 'Completes -Name of the balancer cmdlets with running balancers, quoted where needed' {
        foreach ($command in 'Stop-TcpBalancer', 'Get-TcpBalancerBackend', 'Add-TcpBalancerBackend', 'Remove-TcpBalancerBackend',
            'Disable-TcpBalancerBackend', 'Enable-TcpBalancerBackend', 'Wait-TcpBalancerBackend') {
            Get-Completion "$command -Name " | Should -Be @("'web lb'", 'api') -Because $command
        }
        Get-Completion 'Stop-TcpBalancer -Name we' | Should -Be @("'web lb'")
        Get-Completion "Stop-TcpBalancer -Name 'we" | Should -Be @("'web lb'")
    }

    It 'Finds a balancer by its port, and offers only running ones' {
        Get-Completion "Stop-TcpBalancer -Name $($api.Port)" | Should -Be @('api')
        Get-Completion "Get-TcpBalancerBackend -Id $($web.Port)" | Should -Be @("$($web.Id)")

        Stop-Job $web
        Get-Completion 'Stop-TcpBalancer -Name ' | Should -Be @('api')
    }

    It 'Completes -Id with balancer ids, and Set-TcpBackend -Name/-Id with backend jobs' {
        Get-Completion 'Stop-TcpBalancer -Id ' | Should -Be @("$($web.Id)", "$($api.Id)")
        Get-Completion 'Set-TcpBackend -Name ' | Should -Be @($backends.Name)
        Get-Completion 'Set-TcpBackend -Id ' | Should -Be @($backends | ForEach-Object { "$($_.Id)" })
    }

    It 'Completes -Backend with the pool of the balancer named by -Name, -Id or -Job' {
        Get-Completion "Disable-TcpBalancerBackend -Name 'web lb' -Backend " | Should -Be $address[0..1]
        Get-Completion "Remove-TcpBalancerBackend -Id $($api.Id) -Backend " | Should -Be @($address[2])
        Get-Completion 'Get-TcpBalancerBackend -Job $web -Backend ' | Should -Be $address[0..1]
        Get-Completion "Wait-TcpBalancerBackend -Name api -State Up -Backend " | Should -Be @($address[2])
    }

    It 'Completes -Backend from every balancer when none is named, by port prefix, without repeating one given' {
        Get-Completion 'Enable-TcpBalancerBackend -Backend ' | Should -Be $address
        Get-Completion "Enable-TcpBalancerBackend -Backend $($backends[1].Port)" | Should -Be @($address[1])
        Get-Completion "Get-TcpBalancerBackend -Job `$web -Backend $($address[0]), 127" | Should -Be @($address[1])
    }

    It 'Offers Add-TcpBalancerBackend the running backends that are not in the pool yet' {
        Get-Completion "Add-TcpBalancerBackend -Name api -Backend " | Should -Be $address[0..1]
        Get-Completion "Add-TcpBalancerBackend -Name 'web lb' -Backend " | Should -Be @($address[2])
    }

    It 'Completes Measure-TcpProbe -ExpectRotation with the ports of running backends' {
        Get-Completion 'Measure-TcpProbe -ExpectRotation ' | Should -Be @($backends | ForEach-Object { "$($_.Port)" })
        Stop-Job $backends[0]
        Get-Completion 'Measure-TcpProbe -ExpectRotation ' | Should -Be @($backends[1..2] | ForEach-Object { "$($_.Port)" })
    }

    It 'Completes enum parameters with their values' {
        Get-Completion 'Wait-TcpBalancerBackend -Name api -Backend 1 -State ' | Should -Be @('Disabled', 'Down', 'Draining', 'Removed', 'Up')
        Get-Completion 'Set-TcpBackend -Fault ' | Should -Be @('Blackhole', 'Close', 'None', 'Refuse', 'Reset')
        Get-Completion 'Start-TcpBackend -Fault R' | Should -Be @('Refuse', 'Reset')
        Get-Completion 'Start-TcpBackend -Mode ' | Should -Be @('Echo', 'Identify')
        Get-Completion 'Start-TcpBalancer -Algorithm ' | Should -Be @('First', 'LeastConnections', 'PowerOfTwoChoices', 'Random', 'RoundRobin', 'SourceHash', 'WeightedRoundRobin')
        Get-Completion 'Start-TcpBalancer -Algorithm w' | Should -Be @('WeightedRoundRobin')
    }
}
