# What a person sees: Get-Job mixing the module's jobs with others prints one table that fits 80
# columns, the backend status table shows LastError in 80 columns, and HasMoreData means there is
# something to receive.
# Needs the built module (dotnet build) and Pester 5: ./build.ps1 -Task Test runs it.

Describe 'Views' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../module/TcpLbModule.psd1') -Force

        function Get-Screen {
            # The non-blank lines the default formatting prints for $InputObject in an 80-column console.
            param([object[]] $InputObject)
            @(($InputObject | Out-String -Width 80) -split "`r?`n" | Where-Object { $_.Trim() })
        }
    }

    AfterEach {
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
    }

    It 'Prints the module''s jobs and a ThreadJob as one table in 80 columns, whichever comes first' {
        $backend = Start-TcpBackend -Port 0
        $balancer = Start-TcpBalancer -Port 0 -Backend $backend
        $probe = Invoke-TcpProbe -Port $backend.Port -Count 1 -AsJob
        $thread = Start-ThreadJob { 1 }
        $null = Wait-Job $probe, $thread

        foreach ($jobs in @(@($backend, $balancer, $probe, $thread), @($thread, $backend, $balancer, $probe))) {
            $lines = Get-Screen $jobs
            # A header, its underline and one row per job: no job falls out into a property list.
            $lines | Should -HaveCount 6 -Because ($lines -join "`n")
            $lines[0] | Should -Match '^\s*Id\s+Name\s+PSJobTypeName\s+State\s+HasMoreData\s+Location\s*$'
            @($lines | Where-Object { $_ -match '^\s*\w+\s+:' }) | Should -HaveCount 0
            foreach ($line in $lines) { $line.TrimEnd().Length | Should -BeLessOrEqual 80 }
            foreach ($job in $jobs) {
                @($lines | Where-Object { $_ -match "^\s*$($job.Id)\s" }) | Should -HaveCount 1
            }
        }
        # With the module's job first, its own view shows whole names and endpoints.
        $lines = Get-Screen @($backend, $probe, $thread)
        $lines[2] | Should -Match "^\s*$($backend.Id)\s+TcpBackend:$($backend.Port)\s+TcpBackend\s+Running\s+False\s+127\.0\.0\.1:$($backend.Port)$"
        $lines[3] | Should -Match "^\s*$($probe.Id)\s+TcpProbe:$($backend.Port)\s+TcpProbe\s+Completed\s+True\s+localhost:$($backend.Port)$"
        $lines[4] | Should -Match "^\s*$($thread.Id)\s+\S+\s+ThreadJob\s+Completed\s+True\s+PowerShell$"
    }

    It 'Keeps PowerShell''s own job columns and values for other jobs, and names the command that made the module''s' {
        $own = @(Get-FormatData -TypeName System.Management.Automation.Job | ForEach-Object FormatViewDefinition | Where-Object Name -eq 'Job')
        $own | Should -HaveCount 1 -Because 'PowerShell''s own job view is still there, after the module''s'
        $ours = @(Get-FormatData -TypeName System.Management.Automation.Job | ForEach-Object FormatViewDefinition | Where-Object Name -eq 'TcpLbJob')
        @($ours[0].Control.Headers.Label) | Should -Be @($own[0].Control.Headers.Label)

        $backend = Start-TcpBackend -Port 0
        $thread = Start-ThreadJob -Name 'views-a-thread-job-with-a-long-name' -ScriptBlock {
            'a'
            'b' }
        $null = Wait-Job $thread
        $wide = @(($thread, $backend | Out-String -Width 120) -split "`r?`n" | Where-Object { $_.Trim() })
        $wide[0] | Should -Match '^\s*Id\s+Name\s+PSJobTypeName\s+State\s+HasMoreData\s+Location\s+Command$'
        # The thread job: its name whole (wrapped), its own values, its command on one line.
        $wide[2] | Should -Match "^\s*$($thread.Id)\s+views-a-thread-job\s+ThreadJob\s+Completed\s+True\s+PowerShell\s+'a' 'b'$"
        $wide[3] | Should -Match '^\s+-with-a-long-name\s*$'
        $wide[4] | Should -Match "^\s*$($backend.Id)\s+TcpBackend:$($backend.Port)\s+TcpBackend\s+Running\s+False\s+127\.0\.0\.1:$($backend.Port)\s+Start-TcpBackend$"
        # In 80 columns Command is left out, as PowerShell's own view leaves it out.
        (Get-Screen $thread, $backend)[0] | Should -Match '^\s*Id\s+Name\s+PSJobTypeName\s+State\s+HasMoreData\s+Location$'
    }

    It 'HasMoreData is False for a backend that wrote only diagnostics, and follows what a balancer has to receive' {
        $backend = Start-TcpBackend -Port 0 -Verbose
        $backend.Verbose.Count | Should -BeGreaterThan 0    # "listening on": a diagnostic, not data
        $backend.HasMoreData | Should -BeFalse
        @(Receive-Job $backend) | Should -HaveCount 0

        $balancer = Start-TcpBalancer -Port 0 -Backend $backend
        Disable-TcpBalancerBackend $balancer -Backend $backend.Port
        $balancer.HasMoreData | Should -BeTrue              # the Disabled event
        @(Receive-Job $balancer) | Should -Not -HaveCount 0
        $balancer.HasMoreData | Should -BeFalse
    }

    It 'Shows a down backend''s LastError in 80 columns, grouped by balancer' {
        $backends = Start-TcpBackend -Port 0, 0
        $balancer = Start-TcpBalancer -Port 0 -Backend $backends -Name 'views-lb' -HealthCheckInterval 100
        $down = $backends[1].Port
        Stop-Job $backends[1]
        $null = Wait-TcpBalancerBackend $balancer -Backend $down -State Down -Timeout 20000

        $lines = Get-Screen (Get-TcpBalancerBackend $balancer)

        $lines[0] | Should -Match '^\s*Balancer: views-lb$'
        $lines[1] | Should -Match '^Backend\s+State\s+Weight\s+Active\s+Total\s+Failures\s+Check\s+LastError$'
        foreach ($line in $lines) { $line.TrimEnd().Length | Should -BeLessOrEqual 80 }
        $row = @($lines | Where-Object { $_ -like "127.0.0.1:$down *" })
        $row | Should -HaveCount 1
        $row[0] | Should -Match '\sDown\s.*\sFAILED\s+\S+'
    }
}
