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
    TypesToProcess         = @('TcpLbModule.types.ps1xml')
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
        'Get-TcpBalancerStatistics'
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
Unreleased (after 0.1.0): objects that behave like PowerShell's own
- Breaking: TcpBalancerJob.Balancer and TcpBackendJob.Backend (the engine objects) are no
  longer public: ConvertTo-Json of a job hung on them. Use the cmdlets, the job's counters,
  or $job.CurrentConfiguration() (a copy of the running configuration).
- Breaking: Get-TcpBalancerToxic's objects name the toxic ToxicName (was Name), so that they
  pipe into Set-/Remove-TcpBalancerToxic. Status objects give State, Type, Direction,
  Action and Outage as text (the enum's name), and so do the jobs' Algorithm, Outage, Mode
  and Fault; ConvertTo-Json writes them by name;
  probe results' Status is written by name as well.
- Breaking: a name, id, backend or toxic that is not found is a non-terminating error
  (JobNotFound, BackendNotFound, ToxicNotFound) that -ErrorAction governs, and the ones
  found are acted on; add -ErrorAction Stop where a script relied on it stopping.
- Breaking: job names are unique in a session: Start-TcpBalancer/Start-TcpBackend -Name
  with the name of a running job, or one -Name for several backend ports, is an error
  (NameInUse).
- Breaking: an unquoted 2s (PowerShell's [short] 2) on a time parameter is an error instead
  of 2 ms. Time parameters take a TimeSpan or '250ms', '2s', '1.5m', '1h' as the files do;
  a bare number stays milliseconds everywhere (Wait-TcpBalancerBackend -Timeout included).
- Every Get-X pipes into the other cmdlets of its noun; a backend status is a backend.
- -Algorithm takes the files' short forms (WRR, LC, P2C, Hash); -Toxic hashtables take
  durations with units.
- Probe results and summaries have numeric ...Ms twins (LatencyMs, LatencyP99Ms, ...).
- -ToxicName completes with the toxics; toxic names, job names and LastError wrap instead
  of being cut. The module's job view is put before PowerShell's own at import, so Get-Job
  shows whole names whichever job comes first. It has PowerShell's own job columns (Id,
  Name, PSJobTypeName, State, HasMoreData, Location, Command; Command from 107 columns, as
  PowerShell leaves it out at 80) with other jobs' own values; for the module's jobs Command
  is the command that made them (Start-TcpBalancer, Invoke-TcpProbe -AsJob, ... -Detached).
- HelpUri on every cmdlet (Get-Help -Online); Get-Help Start-TcpBalancer fits two screens
  (the details moved to NOTES, shown by -Full).
- Get-TcpBalancerStatistics: a balancer's counters as a snapshot, for a job of this session
  and for a detached balancer alike.
- -Verbose narrates Start-TcpBalancer, Start-TcpBackend and Invoke-TcpProbe; -Debug shows
  the configuration started and puts the engine's events, timed, on the job's Debug stream.
- A balancer job's Verbose stream says why each connection failed, was refused or moved
  (the backend and the error of a refused connect, a reset, a refusal's rule or limit), at
  most 20 lines a second; the engine's IBalancerTrace (TcpBalancer.Trace) is the hook.
- The build works with NUGET_PACKAGES set without a trailing slash.
- Breaking: Update-TcpBalancer -ConnectFailureLimit stops at 1000 and -QueueLength at
  1000000, as Start-TcpBalancer and the files do. -FinTimeout 0 means never on
  Start-/Update-TcpBalancer, as fin_timeout = 0 does in a file. An out-of-range setting
  names the value and the setting's one range ("1001 is out of range for
  -ConnectFailureLimit. Accepted: from 0 to 1000 (0: never).").
- Update-TcpBalancer -SlowStart changes the slow start of a running balancer.
- Detached balancers and backends are jobs in every session that imported the module:
  Get-Job -Name and Receive-Job -Name find any of them, a bare Get-Job lists those the
  session started or named, Stop-Job stops one, Remove-Job forgets a stopped one. So
  Get-Job | Stop-Job (and Remove-Job -Force) stops the detached servers the session
  started, never those of another CI step.
- Job and status objects that went through serialization (Import-Clixml, Receive-Job,
  Invoke-Command), were reshaped by Select-Object or read back from JSON or CSV pipe into
  the cmdlets of their noun, for the jobs of the session, and backend rows and backend jobs
  so kept are backends for -Backend (Start-TcpBalancer, Add-/Update-TcpBalancer...).

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
