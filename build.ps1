<#
.SYNOPSIS
    Builds, tests, cleans, documents and benchmarks TcpLbModule.

.DESCRIPTION
    Runs one or more tasks, in the order given (a task runs at most once per call):

    Build  dotnet build TcpLbModule.sln. The build also drops the compiled assemblies and the
           MAML help (made from docs/ by src/TcpLb.HelpBuilder) into module/, so
           Import-Module ./module/TcpLbModule.psd1 works right after it.
    Test   Build, then dotnet test (the xunit suites: engine, configuration, dashboard, help converter;
           on Linux, where balancers run on the engine's event loop, the engine's once more with
           TCPLB_TRANSPORT=stream unless it is set), then Invoke-Pester on tests/ (every
           user-visible behaviour of the cmdlets; on Linux, unless TCPLB_TRANSPORT is set, the
           files for distribution, half-close, failover and limits once more with
           TCPLB_TRANSPORT=stream) with the user's
           Pester 5 or later, or else the Pester that the build restored from NuGet into
           .tools/. Both always run; the task fails when either has a failing test. Result
           files: TestResults/xunit*/*.trx and TestResults/Pester*.xml (NUnit XML). The last line
           is 'N passed, N failed' over every run of both runners.
    Clean  dotnet clean, and removes what the build dropped into module/ (module/*.dll,
           module/*.pdb, module/en-US/*-Help.xml) and what -Task Package made in out/.
    Docs   Makes module/en-US/TcpLbModule.dll-Help.xml from docs/*.md: with platyPS
           (New-ExternalHelp) where it is installed, else with the project's own converter
           (builds src/TcpLb.HelpBuilder, whose build regenerates the help).
    Bench  bash bench/run.sh, passing any extra arguments through (see bash bench/run.sh --help).
    Package
           A Release build made into an installable module: a clean module folder,
           <OutputPath>/TcpLbModule/<version>/, with only what belongs in it (the manifest with
           its ModuleVersion stamped from Directory.Build.props, the format file, the Release
           assemblies, the MAML and about help, LICENSE), and <OutputPath>/TcpLbModule.<version>.nupkg
           made from it by PSResourceGet's Compress-PSResource, which Install-PSResource and
           Save-PSResource install from a local repository (Register-PSResourceRepository -Uri
           <OutputPath> -Trusted). Always Release, whatever -Configuration says; module/ is not
           touched.
    Demo   Build, then the README's walkthrough: three backends (8088, 8077, 8070), a balancer on
           8080 and ten probes through it; everything is stopped and removed afterwards.

    Every external command is checked: a non-zero exit code stops the script with an error.

.PARAMETER Task
    One or more of Build, Test, Clean, Docs, Bench, Demo (default: Build); also the first
    positional argument. A list (-Task Clean, Build) needs a PowerShell prompt or -Command:
    pwsh -File passes 'Clean,Build' as one string.

.PARAMETER OutputPath
    Where -Task Package puts the module folder and the .nupkg (default: out/ in the repository).
    Package empties <OutputPath>/TcpLbModule/<version> and replaces the .nupkg of that version.

.PARAMETER Configuration
    Debug (default) or Release. Always named (-Configuration Release).

.PARAMETER BenchArgs
    The remaining arguments, passed unchanged to bench/run.sh (Bench task only), for example
    --quick, --contenders haproxy,tcplb or --duration 5.

.EXAMPLE
    ./build.ps1
    Builds the solution (Debug) and drops the module's assemblies and help into module/.

.EXAMPLE
    ./build.ps1 -Task Build -Configuration Release
    Release build.

.EXAMPLE
    ./build.ps1 -Task Test
    Builds, runs the xunit suites, then the Pester suite; ends with 'N passed, N failed'.

.EXAMPLE
    ./build.ps1 -Task Clean
    dotnet clean, then removes module/*.dll, module/*.pdb, module/en-US/*-Help.xml and out/.

.EXAMPLE
    ./build.ps1 -Task Docs
    Regenerates module/en-US/TcpLbModule.dll-Help.xml from docs/ (platyPS if installed, else the
    project's converter).

.EXAMPLE
    ./build.ps1 -Task Bench --quick
    Runs bash bench/run.sh --quick. Put the benchmark's own options after -Task Bench.

.EXAMPLE
    ./build.ps1 -Task Demo
    Builds and runs the README's demo on ports 8088, 8077, 8070 and 8080.

.EXAMPLE
    ./build.ps1 -Task Package
    Makes out/TcpLbModule/<version>/ and out/TcpLbModule.<version>.nupkg from a Release build.
    To install it: Register-PSResourceRepository -Name TcpLbLocal -Uri ./out -Trusted;
    Install-PSResource TcpLbModule -Repository TcpLbLocal.

.EXAMPLE
    ./build.ps1 -Task Clean, Build, Test -Configuration Release
    Tasks run in the order given.
#>
[CmdletBinding(PositionalBinding = $false)]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Clean', 'Docs', 'Bench', 'Demo', 'Package')]
    [string[]] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug',

    [string] $OutputPath = (Join-Path $PSScriptRoot 'out'),

    # Everything else on the command line (--quick, --duration 5, ...): passed through to
    # bench/run.sh. Declared as a parameter (not $args) so that '--quick' cannot bind
    # positionally to -Configuration.
    [Parameter(ValueFromRemainingArguments = $true)]
    [object[]] $BenchArgs = @()
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

# An unquoted list (--contenders haproxy,tcplb) arrives as an array: give bash back the comma list.
$BenchArguments = @($BenchArgs | ForEach-Object { if ($_ -is [array]) { $_ -join ',' } else { [string] $_ } })
if ($BenchArguments.Count -gt 0 -and $Task -notcontains 'Bench') {
    throw "Unexpected argument(s) '$($BenchArguments -join ' ')': only -Task Bench takes extra arguments (passed to bench/run.sh). -Configuration must be named."
}

$RepoRoot = $PSScriptRoot
$Solution = Join-Path $RepoRoot 'TcpLbModule.sln'
$ModuleDir = Join-Path $RepoRoot 'module'
$ManifestPath = Join-Path $ModuleDir 'TcpLbModule.psd1'
$HelpDir = Join-Path $ModuleDir 'en-US'
$DocsDir = Join-Path $RepoRoot 'docs'
$TestsDir = Join-Path $RepoRoot 'tests'
$ResultsDir = Join-Path $RepoRoot 'TestResults'
$HelpBuilderProject = Join-Path $RepoRoot 'src/TcpLb.HelpBuilder/TcpLb.HelpBuilder.csproj'
$BenchScript = Join-Path $RepoRoot 'bench/run.sh'
$ModuleProject = Join-Path $RepoRoot 'src/TcpLbModule/TcpLbModule.csproj'
$VersionProps = Join-Path $RepoRoot 'Directory.Build.props'
$LicenseFile = Join-Path $RepoRoot 'LICENSE'

# The Pester files that run a second time on the stream path (Linux, where the default is the
# event loop): distribution, half-close, failover and replay, limits and safe defaults.
$StreamPassFiles = 'Scheduling.Tests.ps1', 'FaultTolerance.Tests.ps1', 'ReplayAndObserve.Tests.ps1', 'ResourceLimits.Tests.ps1', 'SafeDefaults.Tests.ps1'

$script:TasksDone = @{}

function Invoke-External {
    # Runs a native command; a non-zero exit code is a terminating error.
    param(
        [string] $FilePath,
        [string[]] $ArgumentList = @()
    )
    Write-Host "> $FilePath $($ArgumentList -join ' ')" -ForegroundColor Cyan
    # The exit code decides; a line on stderr (an error record in some hosts) does not.
    $ErrorActionPreference = 'Continue'
    & $FilePath @ArgumentList
    if ($LASTEXITCODE -ne 0) {
        throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code $LASTEXITCODE."
    }
}

function Invoke-BuildTask {
    Invoke-External 'dotnet' @('build', $Solution, '-c', $Configuration)
}

function Invoke-TestTask {
    # Both runners always run, so one run reports every failure; the task fails afterwards when
    # either failed. Result files land in TestResults/ (TRX per xunit project, NUnit XML for Pester).
    Invoke-Task 'Build'
    if (Test-Path $ResultsDir) {
        Remove-Item -LiteralPath $ResultsDir -Recurse -Force
    }
    $xunitDir = Join-Path $ResultsDir 'xunit'

    Write-Host '> dotnet test (xunit: the engine and the help converter)' -ForegroundColor Cyan
    # A test that hangs fails after 5 minutes (and names itself) instead of holding the run forever.
    & dotnet test $Solution -c $Configuration --no-build --logger 'trx' --results-directory $xunitDir --blame-hang --blame-hang-timeout 5m --blame-hang-dump-type none
    $xunitExit = $LASTEXITCODE
    $xunit = Get-TrxCount -Directory $xunitDir
    if ($xunitExit -ne 0 -and $xunit.Failed -eq 0) {
        # dotnet test failed without a failing test (a crash, a build problem): count it.
        $xunit.Failed = 1
        $xunit.Failures.Add("dotnet test exited with code $xunitExit and no failed test (a crash or a hang: see its output above)")
    }
    if ($IsLinux -and -not $env:TCPLB_TRANSPORT) {
        # The engine's tests once more with every balancer on the portable stream path (issue 17:
        # the default on Linux is the engine's own event loop), less those the variable does not
        # change: the event loop's own (no balancer) and the *OnLoopTests classes (their stream
        # twins ran above). About a minute.
        Add-XunitPass -Total $xunit -Label 'TCPLB_TRANSPORT=stream' -Variable 'TCPLB_TRANSPORT' -Value 'stream' -Directory (Join-Path $ResultsDir 'xunit-stream') `
            -Filter 'FullyQualifiedName!~TcpLb.Engine.Tests.EventLoop.&FullyQualifiedName!~OnLoopTests'
        # The event loop's tests and the balancer's on the loop once more with one system call at a
        # time, the path a kernel without io_uring takes (the default batches them). About 30 seconds.
        Add-XunitPass -Total $xunit -Label 'TCPLB_IO_URING=off' -Variable 'TCPLB_IO_URING' -Value 'off' -Directory (Join-Path $ResultsDir 'xunit-one-call') `
            -Filter 'FullyQualifiedName~TcpLb.Engine.Tests.EventLoop.|FullyQualifiedName~OnLoopTests'
    }

    $pester = Import-Pester
    Write-Host "> Invoke-Pester $TestsDir (Pester $($pester.Version), the module's cmdlets under PowerShell $($PSVersionTable.PSVersion))" -ForegroundColor Cyan
    $result = Invoke-PesterRun -Path $TestsDir -OutputPath (Join-Path $ResultsDir 'Pester.xml')
    $runs = @($result)
    if ($IsLinux -and -not $env:TCPLB_TRANSPORT) {
        # Distribution, half-close, failover, replay and limits once more on the stream path.
        $files = $StreamPassFiles | ForEach-Object { Join-Path $TestsDir $_ }
        Write-Host "> Invoke-Pester again with TCPLB_TRANSPORT=stream: $($StreamPassFiles -join ', ')" -ForegroundColor Cyan
        # Less the 40-second bulk run (tag Bulk), which keeps the whole of CI under 10 minutes on 2 cores.
        $runs += Invoke-OnStreamPath { Invoke-PesterRun -Path $files -ExcludeTag 'Bulk' -OutputPath (Join-Path $ResultsDir 'Pester-stream.xml') }
    }
    $pesterPassed = ($runs | Measure-Object -Property PassedCount -Sum).Sum
    $pesterFailed = ($runs | ForEach-Object { $_.FailedCount + $_.FailedBlocksCount + $_.FailedContainersCount } | Measure-Object -Sum).Sum

    Write-Host ''
    # The failed tests again, by name, next to the closing line: a CI log is often read from its end.
    $failures = @($xunit.Failures) + @($runs | ForEach-Object { Get-PesterFailures -Run $_ })
    foreach ($failure in $failures) {
        Write-Host "failed: $failure" -ForegroundColor Red
    }
    Write-Host "xunit:  $($xunit.Passed) passed, $($xunit.Failed) failed ($xunitDir)"
    Write-Host "Pester: $pesterPassed passed, $pesterFailed failed ($ResultsDir/Pester*.xml)"
    # The one closing line CI reads, summed over every run of both runners.
    Write-Host "$($xunit.Passed + $pesterPassed) passed, $($xunit.Failed + $pesterFailed) failed"
    if ($xunit.Failed -gt 0 -or $pesterFailed -gt 0 -or @($runs | Where-Object TotalCount -eq 0).Count -gt 0) {
        throw "Tests failed: xunit $($xunit.Failed), Pester $pesterFailed (Pester ran $(($runs | ForEach-Object TotalCount) -join ' + ') test(s))."
    }
}

function Invoke-PesterRun {
    # One Invoke-Pester over the given paths (less the tests tagged ExcludeTag), its NUnit XML at
    # OutputPath; returns Pester's result.
    param([string[]] $Path, [string] $OutputPath, [string[]] $ExcludeTag = @())
    $configuration = New-PesterConfiguration
    $configuration.Run.Path = $Path
    $configuration.Filter.ExcludeTag = $ExcludeTag
    $configuration.Run.PassThru = $true
    $configuration.Output.Verbosity = 'Detailed'
    $configuration.TestResult.Enabled = $true
    $configuration.TestResult.OutputFormat = 'NUnitXml'
    $configuration.TestResult.OutputPath = $OutputPath
    # The tests run in a child scope with PowerShell's defaults, not this script's strict mode
    # and 'Stop' preference, so that they behave as they do under a plain Invoke-Pester.
    & {
        Set-StrictMode -Off
        $ErrorActionPreference = 'Continue'
        Invoke-Pester -Configuration $configuration
    }
}

function Invoke-OnStreamPath {
    # Runs the script block with every balancer of this process (and its jobs) on the stream path.
    param([scriptblock] $Script)
    Invoke-WithEnvironment -Variable 'TCPLB_TRANSPORT' -Value 'stream' -Script $Script
}

function Invoke-WithEnvironment {
    # Runs the script block with one environment variable set (this process and what it starts),
    # then puts back what it was.
    param([string] $Variable, [string] $Value, [scriptblock] $Script)
    $was = [Environment]::GetEnvironmentVariable($Variable)
    [Environment]::SetEnvironmentVariable($Variable, $Value)
    try {
        & $Script
    }
    finally {
        [Environment]::SetEnvironmentVariable($Variable, $was)
    }
}

function Add-XunitPass {
    # The engine's xunit tests matching Filter once more with Variable=Value; their counts and
    # failures (labelled) are added to Total.
    param($Total, [string] $Label, [string] $Variable, [string] $Value, [string] $Directory, [string] $Filter)
    Write-Host "> dotnet test (xunit: the engine again, $Label)" -ForegroundColor Cyan
    $count = Invoke-WithEnvironment -Variable $Variable -Value $Value -Script {
        & dotnet test (Join-Path $RepoRoot 'tests/TcpLb.Engine.Tests') -c $Configuration --no-build --filter $Filter --logger 'trx' --results-directory $Directory --blame-hang --blame-hang-timeout 5m --blame-hang-dump-type none | Out-Host
        $exit = $LASTEXITCODE
        $pass = Get-TrxCount -Directory $Directory
        if ($exit -ne 0 -and $pass.Failed -eq 0) {
            $pass.Failed = 1
            $pass.Failures.Add("dotnet test exited with code $exit and no failed test (a crash or a hang: see its output above)")
        }
        $pass
    }
    $Total.Passed += $count.Passed
    $Total.Failed += $count.Failed
    $count.Failures | ForEach-Object { $Total.Failures.Add("$_ ($Label)") }
}

function Get-TrxCount {
    # Sums the counters of every TRX file that dotnet test wrote under the folder.
    param([string] $Directory)
    # Failures names each failed test with the gist of its message.
    $count = [pscustomobject] @{ Passed = 0; Failed = 0; Failures = [System.Collections.Generic.List[string]]::new() }
    foreach ($file in @(Get-ChildItem -Path $Directory -Filter '*.trx' -Recurse -ErrorAction SilentlyContinue)) {
        $run = ([xml] (Get-Content -LiteralPath $file.FullName -Raw)).TestRun
        $counters = $run.ResultSummary.Counters
        $count.Passed += [int] $counters.passed
        $count.Failed += [int] $counters.failed + [int] $counters.error + [int] $counters.timeout + [int] $counters.aborted
        foreach ($result in @($run.Results.UnitTestResult | Where-Object outcome -ne 'Passed' | Where-Object outcome -ne 'NotExecuted')) {
            $count.Failures.Add("$($result.testName): $(Get-FailureGist $result.Output.ErrorInfo.Message)")
        }
    }
    $count
}

function Get-PesterFailures {
    # Each failed test, block (a BeforeAll that threw) and file of a Pester run, with the gist of its error.
    param($Run)
    $items = @($Run.Failed | ForEach-Object { @{ Name = $_.ExpandedPath; Errors = $_.ErrorRecord } }) +
        @($Run.FailedBlocks | ForEach-Object { @{ Name = $_.ExpandedPath; Errors = $_.ErrorRecord } }) +
        @($Run.FailedContainers | ForEach-Object { @{ Name = "$($_.Item)"; Errors = $_.ErrorRecord } })
    foreach ($item in $items) {
        $first = @($item.Errors) | Select-Object -First 1
        $gist = if ($first) { Get-FailureGist $first.Exception.Message } else { 'failed (its block or file failed first: see above)' }
        "$($item.Name): $gist"
    }
}

function Get-FailureGist {
    # A test's failure message on one line: its first three lines, at most 300 characters.
    param([string] $Text)
    $gist = (@("$Text" -split "`r?`n" | ForEach-Object Trim | Where-Object { $_ }) | Select-Object -First 3) -join ' / '
    if ($gist.Length -gt 300) { $gist = $gist.Substring(0, 300) + '...' }
    $gist
}

function Import-Pester {
    # The user's own Pester 5 or later where one is installed, else the one the build restored
    # from NuGet into .tools/ (tests/Pester/Pester.csproj).
    $pester = Get-Module Pester -ListAvailable |
        Where-Object { $_.Version -ge [version] '5.0' } |
        Sort-Object Version -Descending |
        Select-Object -First 1
    if (-not $pester) {
        $restored = Get-ChildItem -Path (Join-Path $RepoRoot '.tools/Pester/*/Pester.psd1') -ErrorAction SilentlyContinue |
            Sort-Object { [version] $_.Directory.Name } -Descending |
            Select-Object -First 1
        if (-not $restored) {
            throw "Pester was not found: no Pester 5 or later is installed and .tools/Pester is empty. 'dotnet build' restores it from NuGet."
        }
        $pester = Test-ModuleManifest -Path $restored.FullName
    }
    # Windows PowerShell ships Pester 3.4: make sure Invoke-Pester is the 5.x or 6.x one.
    Get-Module Pester | Where-Object { $_.Version -ne $pester.Version } | Remove-Module -Force
    Import-Module -Name $pester.Path -Force -PassThru
}

function Invoke-CleanTask {
    Invoke-External 'dotnet' @('clean', $Solution, '-c', $Configuration)
    $dropped = @(
        Get-ChildItem -Path $ModuleDir -File -Filter '*.dll'
        Get-ChildItem -Path $ModuleDir -File -Filter '*.pdb'
        if (Test-Path $HelpDir) { Get-ChildItem -Path $HelpDir -File -Filter '*-Help.xml' }
    )
    foreach ($file in $dropped) {
        Write-Host "Removing $($file.FullName)"
        Remove-Item -LiteralPath $file.FullName -Force
    }
    $defaultOut = Join-Path $RepoRoot 'out'
    if (Test-Path -LiteralPath $defaultOut) {
        Write-Host "Removing $defaultOut (made by -Task Package)"
        Remove-Item -LiteralPath $defaultOut -Recurse -Force
    }
}

function Invoke-DocsTask {
    $platyPS = Get-Module platyPS -ListAvailable | Sort-Object Version -Descending | Select-Object -First 1
    if ($platyPS) {
        Import-Module -ModuleInfo $platyPS -Force
        $null = New-Item -ItemType Directory -Path $HelpDir -Force
        New-ExternalHelp -Path $DocsDir -OutputPath $HelpDir -Force
    }
    else {
        Write-Host 'platyPS is not installed: making the MAML help with src/TcpLb.HelpBuilder.'
        Invoke-External 'dotnet' @('build', $HelpBuilderProject, '-c', $Configuration)
    }
}

function Get-ModuleVersion {
    # The one source of the version: <Version> in Directory.Build.props (the assemblies get it
    # from there too).
    $version = ([xml] (Get-Content -LiteralPath $VersionProps -Raw)).Project.PropertyGroup.Version |
        Where-Object { $_ } | Select-Object -First 1
    if (-not $version) {
        throw "No <Version> in $VersionProps."
    }
    [string] $version
}

function Invoke-PackageTask {
    $version = Get-ModuleVersion
    $out = [System.IO.Path]::GetFullPath($OutputPath)
    $moduleOut = Join-Path $out "TcpLbModule/$version"
    $helpOut = Join-Path $moduleOut 'en-US'
    $nupkg = Join-Path $out "TcpLbModule.$version.nupkg"
    if (Test-Path -LiteralPath $moduleOut) {
        Remove-Item -LiteralPath $moduleOut -Recurse -Force
    }
    if (Test-Path -LiteralPath $nupkg) {
        Remove-Item -LiteralPath $nupkg -Force
    }
    $null = New-Item -ItemType Directory -Path $helpOut -Force

    # Release builds that drop their output into the package folder instead of module/ (which
    # may be loaded by a session: its DLLs are left alone).
    Invoke-External 'dotnet' @('build', $ModuleProject, '-c', 'Release', '-nologo', "-p:ModuleDir=$moduleOut/")
    Invoke-External 'dotnet' @('build', $HelpBuilderProject, '-c', 'Release', '-nologo', "-p:TcpLbHelpOutputFile=$(Join-Path $helpOut 'TcpLbModule.dll-Help.xml')")

    Copy-Item -LiteralPath (Join-Path $ModuleDir 'TcpLbModule.format.ps1xml'), (Join-Path $ModuleDir 'TcpLbModule.types.ps1xml'), (Join-Path $ModuleDir 'TcpLbModule.Jobs.format.ps1xml') -Destination $moduleOut
    Copy-Item -Path (Join-Path $HelpDir 'about_*.help.txt') -Destination $helpOut
    Copy-Item -LiteralPath $LicenseFile -Destination $moduleOut
    $manifest = Get-Content -LiteralPath $ManifestPath -Raw
    $stamped = [regex]::Replace($manifest, "(?m)^(\s*ModuleVersion\s*=\s*)'[^']*'", "`${1}'$version'")
    if ($stamped -notmatch "ModuleVersion\s*=\s*'$([regex]::Escape($version))'") {
        throw "Could not stamp ModuleVersion $version into the manifest: no ModuleVersion = '...' line in $ManifestPath."
    }
    Set-Content -LiteralPath (Join-Path $moduleOut 'TcpLbModule.psd1') -Value $stamped -NoNewline -Encoding utf8

    # Everything the manifest names must be there, and nothing a build leaves beside it.
    $null = Test-ModuleManifest -Path (Join-Path $moduleOut 'TcpLbModule.psd1')
    $unexpected = @(Get-ChildItem -LiteralPath $moduleOut -Recurse -File |
            Where-Object { $_.Extension -in '.pdb', '.json', '.xml' -and $_.Name -ne 'TcpLbModule.dll-Help.xml' })
    if ($unexpected) {
        throw "The package folder holds build leftovers: $($unexpected.FullName -join ', ')."
    }

    # PSResourceGet's own packer (the one Publish-PSResource uses), without registering a repository.
    Import-Module Microsoft.PowerShell.PSResourceGet -MinimumVersion 1.1.0
    Compress-PSResource -Path $moduleOut -DestinationPath $out
    if (-not (Test-Path -LiteralPath $nupkg)) {
        throw "Compress-PSResource made no $nupkg."
    }
    Write-Host "Module folder: $moduleOut"
    Write-Host "Package:       $nupkg"
}

function Invoke-BenchTask {
    Invoke-External 'bash' (@($BenchScript) + $BenchArguments)
}

function Invoke-DemoTask {
    Invoke-Task 'Build'
    Import-Module $ManifestPath -Force
    $jobs = @()
    try {
        # The README's walkthrough.
        $backends = 8088, 8077, 8070 | Start-TcpBackend
        $jobs += $backends
        $lb = Start-TcpBalancer -Port 8080 -Backend $backends
        $jobs += $lb
        Invoke-TcpProbe -Port 8080 -Count 10 | Out-Host
        Get-Job | Where-Object { $_.Id -in $jobs.Id } | Out-Host
    }
    finally {
        $jobs | Stop-Job
        $jobs | Remove-Job -Force
    }
}

function Invoke-Task {
    param([string] $Name)
    if ($script:TasksDone.ContainsKey($Name)) {
        return
    }
    $script:TasksDone[$Name] = $true
    Write-Host "=== $Name ($Configuration)" -ForegroundColor Green
    switch ($Name) {
        'Build' { Invoke-BuildTask }
        'Test' { Invoke-TestTask }
        'Clean' { Invoke-CleanTask }
        'Docs' { Invoke-DocsTask }
        'Bench' { Invoke-BenchTask }
        'Demo' { Invoke-DemoTask }
        'Package' { Invoke-PackageTask }
    }
}

Push-Location $RepoRoot
try {
    foreach ($name in $Task) {
        Invoke-Task $name
    }
}
finally {
    Pop-Location
}
