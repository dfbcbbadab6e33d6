@{
    RootModule             = 'TcpLbModule.dll'
    ModuleVersion          = '0.1.0'
    GUID                   = '6f0f3b8e-6a57-4d2f-9d0e-2b1f6c1a7c41'
    Author                 = 'TcpLbModule contributors'
    CompanyName            = 'TcpLbModule'
    Copyright              = '(c) TcpLbModule contributors. MIT License: see the LICENSE file beside this manifest.'
    Description            = 'A scriptable TCP load balancer, test backends and a probe client, run as PowerShell jobs.'
    PowerShellVersion      = '5.1'
    CompatiblePSEditions   = @('Desktop', 'Core')
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess       = @('TcpLbModule.format.ps1xml')
    CmdletsToExport        = @(
        'Start-TcpBackend'
        'Start-TcpBalancer'
        'Invoke-TcpProbe'
        'Stop-TcpBalancer'
        'Get-TcpBalancerBackend'
        'Add-TcpBalancerBackend'
        'Remove-TcpBalancerBackend'
        'Disable-TcpBalancerBackend'
        'Enable-TcpBalancerBackend'
        'Set-TcpBalancerBackend'
        'Wait-TcpBalancerBackend'
        'Set-TcpBackend'
        'Measure-TcpProbe'
        'Get-TcpBalancer'
        'Get-TcpBackend'
        'Stop-TcpBackend'
        'Update-TcpBalancer'
        'Export-TcpBalancerConfiguration'
        'Get-TcpBalancerAccess'
        'Set-TcpBalancerAccess'
        'Add-TcpBalancerToxic'
        'Get-TcpBalancerToxic'
        'Set-TcpBalancerToxic'
        'Remove-TcpBalancerToxic'
        'Set-TcpBalancerOutage'
        'Start-TcpBalancerDashboard'
        'Watch-TcpBalancer'
    )
    FunctionsToExport      = @()
    VariablesToExport      = @()
    AliasesToExport        = @()
    PrivateData            = @{
        PSData = @{
            Tags         = @('TCP', 'LoadBalancer', 'Proxy', 'Testing', 'CI', 'Jobs', 'FaultInjection', 'PSEdition_Core', 'PSEdition_Desktop', 'Windows', 'Linux', 'MacOS')
            # No ProjectUri or LicenseUri: the module has no public home yet, and an empty or
            # made-up address would be worse than none (PSResourceGet rejects an empty
            # ProjectUri; neither is required to publish). The MIT license travels in the
            # package as the LICENSE file beside this manifest.
            ReleaseNotes = @'
0.1.0
- Start-TcpBackend: test backends (Identify and Echo modes) with injectable faults, latency,
  jitter and bandwidth limits; Set-TcpBackend changes them while running.
- Start-TcpBalancer: round-robin TCP load balancer with health checks, retries and failover,
  connection limits, draining; runtime control with Get/Add/Remove/Disable/Enable/
  Wait-TcpBalancerBackend and Stop-TcpBalancer -Drain.
- Invoke-TcpProbe: one result object per connection, with a progress bar on long runs;
  Measure-TcpProbe sums results up (status counts, backend shares, latency percentiles,
  exact-rotation check).
- Tab completion of running balancers, backends and pool members.
'@
        }
    }
}
