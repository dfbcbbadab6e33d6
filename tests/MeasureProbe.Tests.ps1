# Measure-TcpProbe: one summary object over probe results, built here with known values (engine
# objects are made by Invoke-TcpProbe; these tests use objects with the same properties, as
# Import-Clixml or Receive-Job from another process give) and over live probes through a balancer.
# Needs the built module (dotnet build) and Pester 5: ./build.ps1 -Task Test runs it.

Describe 'Measure-TcpProbe' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../module/TcpLbModule.psd1') -Force

        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

        function New-ProbeResult {
            param([int] $Sequence, [string] $Status, [object] $Backend, [double] $LatencyMs)
            [pscustomobject] @{
                Sequence = $Sequence
                Status   = $Status
                Backend  = $Backend
                Latency  = [timespan]::FromMilliseconds($LatencyMs)
            }
        }
    }

    AfterEach {
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
    }

    It 'Counts every status and the success rate of a known set' {
        $results = @(
            New-ProbeResult 1 Success 8088 4
            New-ProbeResult 2 Success 8077 2
            New-ProbeResult 3 Refused $null 1
            New-ProbeResult 4 Timeout $null 5000
            New-ProbeResult 5 Reset $null 3
            New-ProbeResult 6 Error $null 3
            New-ProbeResult 7 Success 8088 6
            New-ProbeResult 8 Success 8070 8
        )

        $s = $results | Measure-TcpProbe

        $s.Count | Should -Be 8
        $s.SuccessCount | Should -Be 4
        $s.FailureCount | Should -Be 4
        $s.SuccessRate | Should -Be 0.5
        $s.RefusedCount | Should -Be 1
        $s.TimeoutCount | Should -Be 1
        $s.ResetCount | Should -Be 1
        $s.ErrorCount | Should -Be 1
        # Latency over the four successes only: 2, 4, 6, 8 ms.
        $s.LatencyMin | Should -Be ([timespan]::FromMilliseconds(2))
        $s.LatencyMean | Should -Be ([timespan]::FromMilliseconds(5))
        $s.LatencyP50 | Should -Be ([timespan]::FromMilliseconds(4))
        $s.LatencyP90 | Should -Be ([timespan]::FromMilliseconds(8))
        $s.LatencyMax | Should -Be ([timespan]::FromMilliseconds(8))
        $s.IsExactRotation | Should -BeNullOrEmpty
    }

    It 'Gives each backend its count and share, in the order each first answered' {
        $results = foreach ($i in 1..10) { New-ProbeResult $i Success (@(8077, 8077, 8088, 8070)[$i % 4]) 1 }

        $s = $results | Measure-TcpProbe

        @($s.Backends.Backend) | Should -Be @(8077, 8088, 8070)
        @($s.Backends | ForEach-Object Count) | Should -Be @(5, 3, 2)
        @($s.Backends.Share) | Should -Be @(0.5, 0.3, 0.2)
    }

    It 'Takes nearest-rank percentiles of 1 to 200 ms' {
        $s = 200..1 | ForEach-Object { New-ProbeResult $_ Success 8088 $_ } | Measure-TcpProbe

        $s.LatencyP50.TotalMilliseconds | Should -Be 100
        $s.LatencyP90.TotalMilliseconds | Should -Be 180
        $s.LatencyP99.TotalMilliseconds | Should -Be 198
        $s.LatencyMean.TotalMilliseconds | Should -Be 100.5
    }

    It 'Reports the first position that breaks the expected rotation, with expected and actual backend' {
        $order = 8088, 8077, 8070, 8088, 8070, 8077
        $results = for ($i = 0; $i -lt $order.Count; $i++) { New-ProbeResult ($i + 1) Success $order[$i] 1 }

        $s = $results | Measure-TcpProbe -ExpectRotation 8088, 8077, 8070

        $s.IsExactRotation | Should -BeFalse
        $s.RotationBreaksAt.Position | Should -Be 5
        $s.RotationBreaksAt.Sequence | Should -Be 5
        $s.RotationBreaksAt.Expected | Should -Be 8077
        $s.RotationBreaksAt.Actual | Should -Be 8070
        ($s | Format-Table | Out-String -Width 80) | Should -BeLikeExactly '*breaks at 5*'
    }

    It 'Counts a failed probe as a break in the rotation' {
        $results = @(
            New-ProbeResult 1 Success 1001 1
            New-ProbeResult 2 Success 1002 1
            New-ProbeResult 3 Refused $null 1
        )

        $s = $results | Measure-TcpProbe -ExpectRotation 1001, 1002

        $s.IsExactRotation | Should -BeFalse
        $s.RotationBreaksAt.Position | Should -Be 3
        $s.RotationBreaksAt.Expected | Should -Be 1001
        $s.RotationBreaksAt.Actual | Should -BeNullOrEmpty
    }

    It 'Summarizes live probes through a balancer: exact rotation over the backend jobs' {
        $backends = Start-TcpBackend -Port 0, 0, 0
        $lb = Start-TcpBalancer -Port 0 -Backend $backends

        $s = Invoke-TcpProbe -Port $lb.Port -Count 9 | Measure-TcpProbe -ExpectRotation $backends

        $s.Count | Should -Be 9
        $s.SuccessCount | Should -Be 9
        $s.SuccessRate | Should -Be 1
        $s.IsExactRotation | Should -BeTrue
        $s.RotationBreaksAt | Should -BeNullOrEmpty
        @($s.Backends.Backend) | Should -Be @($backends.Port)
        @($s.Backends | ForEach-Object Count) | Should -Be @(3, 3, 3)
        $s.LatencyMin | Should -BeLessOrEqual $s.LatencyP50
        $s.LatencyP50 | Should -BeLessOrEqual $s.LatencyP99
        $s.LatencyP99 | Should -BeLessOrEqual $s.LatencyMax
    }

    It 'Sees a backend that left the rotation, and counts refused probes of a closed port' {
        $backends = Start-TcpBackend -Port 0, 0
        $lb = Start-TcpBalancer -Port 0 -Backend $backends

        # Expecting a third backend that the balancer does not have breaks the rotation at 3.
        $other = Get-FreePort
        $s = Invoke-TcpProbe -Port $lb.Port -Count 4 | Measure-TcpProbe -ExpectRotation ($backends.Port + $other)
        $s.IsExactRotation | Should -BeFalse
        $s.RotationBreaksAt.Position | Should -Be 3
        $s.RotationBreaksAt.Expected | Should -Be $other
        $s.RotationBreaksAt.Actual | Should -Be $backends[0].Port

        $closed = Invoke-TcpProbe -Port (Get-FreePort) -ComputerName 127.0.0.1 -Count 3 | Measure-TcpProbe
        $closed.RefusedCount | Should -Be 3
        $closed.SuccessRate | Should -Be 0
        $closed.LatencyP50 | Should -BeNullOrEmpty
    }

    It 'Reads results that went through serialization' {
        $b = Start-TcpBackend -Port 0
        $path = Join-Path ([System.IO.Path]::GetTempPath()) "tcplb-measure-$PID.xml"
        try {
            Invoke-TcpProbe -Port $b.Port -Count 5 | Export-Clixml -LiteralPath $path

            $s = Import-Clixml -LiteralPath $path | Measure-TcpProbe -ExpectRotation $b.Port

            $s.SuccessCount | Should -Be 5
            $s.IsExactRotation | Should -BeTrue
            $s.Backends[0].Backend | Should -Be $b.Port
        }
        finally {
            Remove-Item -LiteralPath $path -ErrorAction SilentlyContinue
        }
    }

    It 'Stops with InvalidProbeResult for an object that is not a probe result' {
        { 'not a result' | Measure-TcpProbe -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidProbeResult,TcpLbModule.Commands.MeasureTcpProbeCommand' -ExpectedMessage "*'not a result' is not a probe result*"
    }

    It 'Fits its table in 80 columns with units in the headers' {
        $s = 1..5 | ForEach-Object { New-ProbeResult $_ Success 8088 1.5 } | Measure-TcpProbe -ExpectRotation 8088

        $lines = @(($s | Format-Table | Out-String -Width 80) -split "`r?`n" | Where-Object { $_.Trim() })
        $lines[0] | Should -Match 'p50\(ms\)'
        $lines[0] | Should -Match 'OK\(%\)'
        foreach ($line in $lines) { $line.TrimEnd().Length | Should -BeLessOrEqual 80 }
        $lines[2] | Should -Match '^\s+5\s+0\s+100\.0\s+1\.50\s+1\.50\s+1\.50\s+1\.50\s+1 exact$'
    }
}
