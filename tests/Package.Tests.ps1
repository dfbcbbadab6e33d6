# build.ps1 -Task Package: a Release module folder and a .nupkg that PSResourceGet installs from
# a local repository, after which a fresh pwsh imports TcpLbModule by name and runs it. Builds
# Release (into src/*/bin/Release and obj/, like any Release build) and packages into a temporary
# folder; the repository registration, the package and the installed copy are removed afterwards.
# Needs PSResourceGet 1.1 or later (it ships with PowerShell 7.4 and later) and Pester 5.

Describe 'Packaging' {
    BeforeAll {
        $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path
        $script:Version = [string] (([xml] (Get-Content -LiteralPath (Join-Path $RepoRoot 'Directory.Build.props') -Raw)).Project.PropertyGroup.Version |
                Where-Object { $_ } | Select-Object -First 1)

        function Invoke-ChildPwsh {
            # Runs a fresh pwsh, the same one as this session (a native pwsh, or pwsh.dll under dotnet).
            param([string[]] $ArgumentList)
            $process = [Environment]::ProcessPath
            if ([System.IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') {
                & $process (Join-Path $PSHOME 'pwsh.dll') @ArgumentList
            }
            else {
                & $process @ArgumentList
            }
        }
    }

    It 'The module manifest carries the version of Directory.Build.props' {
        $Version | Should -Match '^\d+\.\d+\.\d+$'
        (Import-PowerShellDataFile (Join-Path $RepoRoot 'module/TcpLbModule.psd1')).ModuleVersion | Should -BeExactly $Version
    }

    It 'Packages a Release module that installs from a local repository and imports by name in a fresh pwsh' {
        $work = Join-Path ([System.IO.Path]::GetTempPath()) "tcplb-package-$([guid]::NewGuid().ToString('N'))"
        $out = Join-Path $work 'out'
        $installed = Join-Path $work 'modules'
        $repository = "TcpLbModuleTest-$([guid]::NewGuid().ToString('N'))"
        $savedModulePath = $env:PSModulePath
        try {
            $log = Invoke-ChildPwsh @('-NoProfile', '-NonInteractive', '-File', (Join-Path $RepoRoot 'build.ps1'), '-Task', 'Package', '-OutputPath', $out) 2>&1
            $LASTEXITCODE | Should -Be 0 -Because ($log | Out-String)

            # The module folder holds what belongs in a module and nothing else, built Release.
            $moduleOut = Join-Path $out "TcpLbModule/$Version"
            $files = @(Get-ChildItem -LiteralPath $moduleOut -Recurse -File | ForEach-Object { $_.FullName.Substring($moduleOut.Length + 1).Replace('\', '/') } | Sort-Object)
            $files | Should -Be @('en-US/about_TcpLbModule_Algorithms.help.txt', 'en-US/about_TcpLbModule_Configuration.help.txt', 'en-US/about_TcpLbModule_Detached.help.txt',
                'en-US/about_TcpLbModule_Export.help.txt', 'en-US/about_TcpLbModule_FaultTolerance.help.txt', 'en-US/about_TcpLbModule_Security.help.txt', 'en-US/about_TcpLbModule_Toxics.help.txt',
                'en-US/about_TcpLbModule.help.txt', 'en-US/TcpLbModule.dll-Help.xml', 'LICENSE', 'System.Buffers.dll',
                'TcpLb.Configuration.dll', 'TcpLb.Dashboard.dll', 'TcpLb.Engine.dll', 'TcpLbModule.dll', 'TcpLbModule.format.ps1xml', 'TcpLbModule.Jobs.format.ps1xml', 'TcpLbModule.psd1', 'TcpLbModule.types.ps1xml', 'Tomlyn.dll')
            $assembly = [System.Reflection.AssemblyName]::GetAssemblyName((Join-Path $moduleOut 'TcpLbModule.dll'))
            $assembly.Version | Should -Be ([version] "$Version.0")
            $manifest = Import-PowerShellDataFile (Join-Path $moduleOut 'TcpLbModule.psd1')
            $manifest.ModuleVersion | Should -BeExactly $Version
            $manifest.CmdletsToExport | Should -Contain 'Measure-TcpProbe'
            $manifest.PrivateData.PSData.ReleaseNotes | Should -Not -BeNullOrEmpty
            Test-Path (Join-Path $out "TcpLbModule.$Version.nupkg") | Should -BeTrue

            Register-PSResourceRepository -Name $repository -Uri $out -Trusted
            $found = Find-PSResource -Name TcpLbModule -Repository $repository
            $found.Version.ToString() | Should -BeExactly $Version
            $null = New-Item -ItemType Directory -Path $installed
            Save-PSResource -Name TcpLbModule -Repository $repository -Path $installed -TrustRepository
            Test-Path (Join-Path $installed "TcpLbModule/$Version/TcpLbModule.psd1") | Should -BeTrue

            # A fresh pwsh that finds modules in the install folder (and not in this repository).
            $env:PSModulePath = $installed + [System.IO.Path]::PathSeparator + $savedModulePath
            $script = @'
$ErrorActionPreference = 'Stop'
Import-Module TcpLbModule
$module = Get-Module TcpLbModule
$b = Start-TcpBackend -Port 0
try {
    $r = Invoke-TcpProbe -Port $b.Port -Count 1
    [pscustomobject] @{
        ModuleBase = $module.ModuleBase
        Version    = $module.Version.ToString()
        Build      = $module.ImplementingAssembly.GetCustomAttributes([System.Reflection.AssemblyConfigurationAttribute], $false).Configuration
        Status     = $r.Status.ToString()
        Response   = $r.Response
        Port       = $b.Port
        Synopsis   = (Get-Help Measure-TcpProbe).Synopsis
    } | ConvertTo-Json -Compress
}
finally {
    $b | Stop-Job -PassThru | Remove-Job
}
'@
            $output = Invoke-ChildPwsh @('-NoProfile', '-NonInteractive', '-Command', $script) 2>&1
            $LASTEXITCODE | Should -Be 0 -Because ($output | Out-String)
            $result = ($output | Select-Object -Last 1) | ConvertFrom-Json
            $result.ModuleBase | Should -BeExactly (Join-Path $installed "TcpLbModule/$Version")
            $result.Version | Should -BeExactly $Version
            $result.Build | Should -BeExactly 'Release'
            $result.Status | Should -BeExactly 'Success'
            $result.Response | Should -BeExactly "Response from server running on port $($result.Port)"
            $result.Synopsis | Should -BeLikeExactly 'Sums up probe results*'
        }
        finally {
            $env:PSModulePath = $savedModulePath
            if (Get-PSResourceRepository -Name $repository -ErrorAction SilentlyContinue) {
                Unregister-PSResourceRepository -Name $repository
            }
            Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
        }
        Test-Path $work | Should -BeFalse
        Get-PSResourceRepository -Name $repository -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}
