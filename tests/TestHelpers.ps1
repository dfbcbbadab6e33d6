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
