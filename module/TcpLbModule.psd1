@{
    RootModule             = 'TcpLbModule.dll'
    ModuleVersion          = '0.1.0'
    GUID                   = '6f0f3b8e-6a57-4d2f-9d0e-2b1f6c1a7c41'
    Author                 = 'TcpLbModule contributors'
    CompanyName            = 'TcpLbModule'
    Copyright              = '(c) TcpLbModule contributors. All rights reserved.'
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
        'Wait-TcpBalancerBackend'
        'Set-TcpBackend'
        'Get-TcpBalancer'
        'Get-TcpBackend'
        'Stop-TcpBackend'
    )
    FunctionsToExport      = @()
    VariablesToExport      = @()
    AliasesToExport        = @()
    PrivateData            = @{
        PSData = @{
            Tags         = @('TCP', 'LoadBalancer', 'Proxy', 'Testing', 'CI', 'Jobs')
            ProjectUri   = ''
            ReleaseNotes = 'First release: Start-TcpBackend, Start-TcpBalancer (round robin), Invoke-TcpProbe.'
        }
    }
}
