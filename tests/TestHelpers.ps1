# Helpers shared by the Pester files in tests/*.Tests.ps1. Plain functions, no module: each test file dot-sources this file from its BeforeAll,
#     . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
# so the functions land in that Describe's scope, as the copies that used to be in each file did.
# Helpers that only one test file uses stay in that file.

function New-TcpSocket {
    <#
    .SYNOPSIS
    Creates an unbound, unconnected IPv4 TCP socket.

    .DESCRIPTION
    Returns a new System.Net.Sockets.Socket for InterNetwork / Stream / Tcp. The caller owns it
    and disposes it.

    .OUTPUTS
    System.Net.Sockets.Socket

    .EXAMPLE
    $socket = New-TcpSocket
    try { $socket.Bind([System.Net.IPEndPoint]::new([System.Net.IPAddress]::Loopback, 0)) }
    finally { $socket.Dispose() }
    #>
    [System.Net.Sockets.Socket]::new(
        [System.Net.Sockets.AddressFamily]::InterNetwork,
        [System.Net.Sockets.SocketType]::Stream,
        [System.Net.Sockets.ProtocolType]::Tcp)
}

function Get-FreePort {
    <#
    .SYNOPSIS
    Returns a loopback port that was free a moment ago.

    .DESCRIPTION
    Binds a fresh socket to 127.0.0.1:0, returns the
    port the system chose and releases it. Another process may take the port afterwards.

    .OUTPUTS
    System.Int32

    .EXAMPLE
    $port = Get-FreePort
    #>
    $socket = New-TcpSocket
    try {
        $socket.Bind([System.Net.IPEndPoint]::new([System.Net.IPAddress]::Loopback, 0))
        $socket.LocalEndPoint.Port
    }
    finally {
        $socket.Dispose()
    }
}

function Test-PortFree {
    <#
    .SYNOPSIS
    Tells whether a fresh socket can bind 127.0.0.1:<Port>.

    .DESCRIPTION
    Tries to bind a new socket to the
    loopback address and the given port, then releases it. Returns $true when the bind succeeds
    and $false when it fails with a SocketException (the port is in use); any other error is
    not caught.

    .PARAMETER Port
    The TCP port to try on 127.0.0.1.

    .OUTPUTS
    System.Boolean

    .EXAMPLE
    Test-PortFree $job.Port | Should -BeFalse
    #>
    param([int] $Port)
    $socket = New-TcpSocket
    try {
        $socket.Bind([System.Net.IPEndPoint]::new([System.Net.IPAddress]::Loopback, $Port))
        $true
    }
    catch [System.Net.Sockets.SocketException] {
        $false
    }
    finally {
        $socket.Dispose()
    }
}

function Start-Iperf3Server {
    <#
    .SYNOPSIS
    Starts `iperf3 -s` on a free 127.0.0.1 port.

    .DESCRIPTION
    iperf3 needs a fixed port: takes a free one, and another if it was taken meanwhile (5 tries).
    Returns the process with its port in a Port note property; the caller stops it with
    Stop-Iperf3Server. Needs iperf3 (.ci/run installs it).

    .OUTPUTS
    System.Diagnostics.Process

    .EXAMPLE
    $server = Start-Iperf3Server
    try { $lb = Start-TcpBalancer -Port 0 -Backend $server.Port } finally { Stop-Iperf3Server $server }
    #>
    $iperf = (Get-Command iperf3 -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
    foreach ($try in 1..5) {
        $port = Get-FreePort
        $info = [System.Diagnostics.ProcessStartInfo]::new($iperf, "-s -B 127.0.0.1 -p $port")
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        $server = [System.Diagnostics.Process]::Start($info)
        $null = $server.StandardOutput.ReadToEndAsync(); $null = $server.StandardError.ReadToEndAsync()
        if ((Wait-Until { $server.HasExited -or -not (Test-PortFree $port) }) -and -not $server.HasExited) {
            return $server | Add-Member -NotePropertyName Port -NotePropertyValue $port -PassThru
        }
        $server.Dispose()
    }
    throw 'iperf3 -s did not listen on a free port in 5 tries.'
}

function Stop-Iperf3Server([System.Diagnostics.Process] $Server) {
    if (-not $Server) { return }
    if (-not $Server.HasExited) { $Server.Kill() }
    $Server.WaitForExit()
    $Server.Dispose()
}

function Invoke-Iperf3Client([int] $Port, [string] $Arguments) {
    <#
    .SYNOPSIS
    Runs `iperf3 -c 127.0.0.1 -p <Port> <Arguments> -J` to its end (killed after 90 s).

    .OUTPUTS
    An object with ExitCode, Bytes (received, summed over the streams) and Error (iperf3's own).
    #>
    $iperf = (Get-Command iperf3 -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
    $info = [System.Diagnostics.ProcessStartInfo]::new($iperf, "-c 127.0.0.1 -p $Port $Arguments -J")
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $client = [System.Diagnostics.Process]::Start($info)
    try {
        $stdout = $client.StandardOutput.ReadToEndAsync()
        $null = $client.StandardError.ReadToEndAsync()
        if (-not $client.WaitForExit(90000)) { $client.Kill(); $client.WaitForExit() }
        $result = $stdout.Result | ConvertFrom-Json
        [pscustomobject]@{ ExitCode = $client.ExitCode; Bytes = [long] $result.end.sum_received.bytes; Error = $result.error }
    }
    finally {
        $client.Dispose()
    }
}

# Polls $Condition (an observed state, never a fixed sleep) until it holds; $false after $Seconds,
# a safety net far above what a busy machine needs (counters are updated just after a client has
# seen the end of its connection, so tests wait for them rather than read them at once).
function Wait-Until([scriptblock] $Condition, [int] $Seconds = 30) {
    $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
    while (-not (& $Condition)) {
        if ([DateTime]::UtcNow -gt $deadline) { return $false }
        Start-Sleep -Milliseconds 20
    }
    $true
}
