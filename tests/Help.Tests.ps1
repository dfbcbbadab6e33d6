# Get-Help reads the MAML the build makes from docs/.
# Needs the built module (dotnet build); ./build.ps1 -Task Test runs every file under Pester 5 or 6.

Describe 'HelpTests' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../module/TcpLbModule.psd1') -Force
    }

    AfterEach {
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
    }

    It 'Every exported cmdlet has a synopsis, examples and documented parameters' {
        $known = 'Start-TcpBackend', 'Start-TcpBalancer', 'Invoke-TcpProbe', 'Stop-TcpBalancer', 'Get-TcpBalancerBackend',
            'Add-TcpBalancerBackend', 'Remove-TcpBalancerBackend', 'Disable-TcpBalancerBackend', 'Enable-TcpBalancerBackend', 'Set-TcpBalancerBackend',
            'Wait-TcpBalancerBackend', 'Set-TcpBackend', 'Measure-TcpProbe', 'Get-TcpBalancer', 'Get-TcpBackend', 'Stop-TcpBackend',
            'Update-TcpBalancer', 'Export-TcpBalancerConfiguration', 'Get-TcpBalancerAccess', 'Set-TcpBalancerAccess',
            'Add-TcpBalancerToxic', 'Get-TcpBalancerToxic', 'Set-TcpBalancerToxic', 'Remove-TcpBalancerToxic', 'Set-TcpBalancerOutage'
        $cmdlets = @(Get-Command -Module TcpLbModule -CommandType Cmdlet | ForEach-Object { $_.Name } | Sort-Object)
        foreach ($name in $known) { $cmdlets | Should -Contain $name }

        # Every cmdlet is checked and every problem reported, so one run lists all the help to fix.
        $problems = foreach ($cmdlet in $cmdlets) {
            $help = @(Get-Help $cmdlet -Full)
            $synopsis = if ($help.Count -eq 1) { ([string] $help[0].Synopsis).Trim() } else { '' }
            $examples = @((Get-Help $cmdlet -Full).examples.example).Count
            $documented = @((Get-Help $cmdlet -Full).parameters.parameter | ForEach-Object { $_.name })
            $declared = @((Get-Command $cmdlet).Parameters.Keys |
                    Where-Object { $_ -notin [System.Management.Automation.PSCmdlet]::CommonParameters })

            if ($help.Count -ne 1) { "${cmdlet}: Get-Help returned $($help.Count) objects, not 1." }
            if ([string]::IsNullOrWhiteSpace($synopsis)) { "${cmdlet}: the synopsis is empty." }
            elseif ($synopsis.StartsWith("$cmdlet ")) { "${cmdlet}: the synopsis is PowerShell's generated syntax: no MAML help was found." }
            if ($examples -lt 3) { "${cmdlet}: $examples examples; write at least 3." }
            $undocumented = @($declared | Where-Object { $_ -notin $documented })
            $stale = @($documented | Where-Object { $_ -notin $declared })
            if ($undocumented.Count -gt 0) { "${cmdlet}: declared but not documented: $($undocumented -join ', ')." }
            if ($stale.Count -gt 0) { "${cmdlet}: documented but not declared: $($stale -join ', ')." }
        }

        @($problems) | Should -HaveCount 0 -Because ($problems -join "`n")
    }

    It 'The about topic is found' {
        $text = @(Get-Help about_TcpLbModule | ForEach-Object { $_.ToString() }) -join "`n"

        $text | Should -BeLikeExactly '*Start-TcpBalancer*'
        $text | Should -BeLikeExactly '*Invoke-TcpProbe*'
    }

    # The README is a front door; what it used to explain in full lives in these topics, where Get-Help finds it.
    It 'The topic <Topic> is found and carries <Expected>' -ForEach @(
        @{ Topic = 'about_TcpLbModule_Algorithms'; Expected = 'rendezvous hashing' }
        @{ Topic = 'about_TcpLbModule_FaultTolerance'; Expected = 'ReconfigurationPlan' }
        @{ Topic = 'about_TcpLbModule_Toxics'; Expected = 'Set-TcpBalancerOutage -Mode Refuse' }
        @{ Topic = 'about_TcpLbModule_Security'; Expected = 'SourceTableCapacity' }
        @{ Topic = 'about_TcpLbModule_Detached'; Expected = 'DetachedRegistryUnsafe' }
        @{ Topic = 'about_TcpLbModule_Export'; Expected = 'hash-type consistent' }
        @{ Topic = 'about_TcpLbModule'; Expected = 'tcplb_backend_connections_total' }
    ) {
        $help = @(Get-Help $Topic | ForEach-Object { $_.ToString() }) -join "`n"

        $help | Should -BeLikeExactly "*$Topic*"
        $help | Should -BeLikeExactly "*$Expected*"
    }
}
