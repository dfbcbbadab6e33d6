# Pester 5 mirror of the xunit class TcpLbModule.Tests.HelpTests
# (tests/TcpLbModule.Tests/HelpTests.cs): Get-Help reads the MAML the build makes from docs/.
# One It per [Fact], one -ForEach It per [Theory] (its [InlineData] rows as test cases), same
# scenario, same assertions.
# Needs the built module and help (dotnet build) and Pester 5: ./build.ps1 -Task Test runs it.

Describe 'HelpTests' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../module/TcpLbModule.psd1') -Force
    }

    AfterEach {
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
    }

    It 'Every cmdlet has a synopsis, examples and documented parameters: <Cmdlet>' -ForEach @(
        @{ Cmdlet = 'Start-TcpBackend' }
        @{ Cmdlet = 'Start-TcpBalancer' }
        @{ Cmdlet = 'Invoke-TcpProbe' }
    ) {
        $help = @(Get-Help $Cmdlet -Full)
        $help | Should -HaveCount 1
        $synopsis = ([string] $help[0].Synopsis).Trim()
        $examples = @((Get-Help $Cmdlet -Full).examples.example).Count
        $documented = @((Get-Help $Cmdlet -Full).parameters.parameter | ForEach-Object { $_.name })
        $declared = @((Get-Command $Cmdlet).Parameters.Keys |
                Where-Object { $_ -notin [System.Management.Automation.PSCmdlet]::CommonParameters })

        [string]::IsNullOrWhiteSpace($synopsis) | Should -BeFalse
        $synopsis.StartsWith("$Cmdlet ") | Should -BeFalse -Because "the synopsis is PowerShell's generated syntax: no MAML help was found"
        $examples | Should -BeGreaterOrEqual 3 -Because "$Cmdlet has $examples examples"
        @($documented | Sort-Object) | Should -BeExactly @($declared | Sort-Object)
    }

    It 'The about topic is found' {
        $text = @(Get-Help about_TcpLbModule | ForEach-Object { $_.ToString() }) -join "`n"

        $text | Should -BeLikeExactly '*Start-TcpBalancer*'
        $text | Should -BeLikeExactly '*Invoke-TcpProbe*'
    }
}
