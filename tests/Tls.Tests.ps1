# TLS through the cmdlets, against real peers: the balancer terminates TLS for openssl s_client and
# .NET's SslStream; it originates TLS to an openssl s_server backend and checks its certificate;
# the test backend's TLS mode; bad certificate input. openssl must be installed (the tests fail,
# not skip, without it).
# Needs the built module (dotnet build); ./build.ps1 -Task Test runs every file under Pester 5 or 6.

Describe 'TlsTests' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../module/TcpLbModule.psd1') -Force

        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

        $script:OpenSsl = (Get-Command openssl -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source

        # TlsTests: runs openssl with the arguments and the text on stdin; returns stdout and stderr
        # as one string. Killed after 30 s (a safety net: every call here ends by itself).
        function Invoke-OpenSsl([string[]] $Arguments, [string] $InputText = '') {
            $info = [System.Diagnostics.ProcessStartInfo]::new($script:OpenSsl)
            foreach ($a in $Arguments) { $info.ArgumentList.Add($a) }
            $info.RedirectStandardInput = $true
            $info.RedirectStandardOutput = $true
            $info.RedirectStandardError = $true
            $process = [System.Diagnostics.Process]::Start($info)
            try {
                $stdout = $process.StandardOutput.ReadToEndAsync()
                $stderr = $process.StandardError.ReadToEndAsync()
                $process.StandardInput.Write($InputText)
                $process.StandardInput.Close()
                if (-not $process.WaitForExit(30000)) { $process.Kill(); throw "openssl $Arguments did not end within 30 s" }
                $stdout.Result + $stderr.Result
            }
            finally {
                $process.Dispose()
            }
        }

        # TlsTests: a TLS client in .NET: connects to 127.0.0.1:<Port>, checks the server's
        # certificate with <Validate> (a scriptblock given the certificate and the policy errors),
        # sends <Message>, half-closes and returns the reply and the certificate.
        function Invoke-SslStreamRequest([int] $Port, [string] $Message = "hello`n", [scriptblock] $Validate = { $true }, [string] $ServerName = 'localhost') {
            $socket = [System.Net.Sockets.Socket]::new([System.Net.Sockets.SocketType]::Stream, [System.Net.Sockets.ProtocolType]::Tcp)
            try {
                $socket.Connect([System.Net.IPAddress]::Loopback, $Port)
                $network = [System.Net.Sockets.NetworkStream]::new($socket, $false)
                $seen = @{}
                $callback = [System.Net.Security.RemoteCertificateValidationCallback] {
                    param($sender, $certificate, $chain, $errors)
                    $seen.Certificate = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($certificate)
                    $seen.Errors = $errors
                    & $Validate $seen.Certificate $errors
                }
                $ssl = [System.Net.Security.SslStream]::new($network, $false, $callback)
                $socket.ReceiveTimeout = 20000
                $ssl.AuthenticateAsClient($ServerName)
                $bytes = [System.Text.Encoding]::ASCII.GetBytes($Message)
                $ssl.Write($bytes, 0, $bytes.Length)
                $ssl.Flush()
                $ssl.ShutdownAsync().GetAwaiter().GetResult()
                $socket.Shutdown([System.Net.Sockets.SocketShutdown]::Send)
                $reply = [System.IO.MemoryStream]::new()
                $ssl.CopyTo($reply)
                [pscustomobject]@{
                    Reply       = [System.Text.Encoding]::ASCII.GetString($reply.ToArray())
                    Certificate = $seen.Certificate
                    Errors      = $seen.Errors
                    Protocol    = $ssl.SslProtocol
                }
            }
            finally {
                $socket.Dispose()
            }
        }

        # A throwaway certificate for localhost and 127.0.0.1 (PEM, key apart and together, PFX with a password).
        $script:Certs = Join-Path ([System.IO.Path]::GetTempPath()) ("tcplb-tls-" + [guid]::NewGuid().ToString('n'))
        $null = New-Item -ItemType Directory -Path $script:Certs
        $script:CertPem = Join-Path $script:Certs 'cert.pem'
        $script:KeyPem = Join-Path $script:Certs 'key.pem'
        $script:BothPem = Join-Path $script:Certs 'both.pem'
        $script:Pfx = Join-Path $script:Certs 'cert.pfx'
        $null = Invoke-OpenSsl @('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
            '-days', '1', '-keyout', $script:KeyPem, '-out', $script:CertPem)
        $null = Invoke-OpenSsl @('pkcs12', '-export', '-in', $script:CertPem, '-inkey', $script:KeyPem, '-out', $script:Pfx, '-passout', 'pass:s3cret')
        Set-Content -Path $script:BothPem -Value ((Get-Content -Raw $script:CertPem) + (Get-Content -Raw $script:KeyPem)) -NoNewline
        $script:Password = ConvertTo-SecureString 's3cret' -AsPlainText -Force
        $script:Thumbprint = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($script:CertPem).Thumbprint
    }

    AfterAll {
        Remove-Item -Recurse -Force $script:Certs -ErrorAction SilentlyContinue
    }

    AfterEach {
        Get-Job | Stop-Job
        Get-Job | Remove-Job -Force
    }

    It 'TLS terminated by the balancer with a self-signed certificate is accepted by openssl s_client' {
        $backend = Start-TcpBackend -Port 0
        $lb = Start-TcpBalancer -Port 0 -Backend $backend -SelfSignedCertificate -HealthCheckInterval 0

        $out = Invoke-OpenSsl @('s_client', '-connect', "127.0.0.1:$($lb.Port)", '-servername', 'localhost', '-brief', '-ign_eof') "hello`n"

        $out | Should -BeLikeExactly '*CONNECTION ESTABLISHED*'
        $out | Should -BeLikeExactly '*Peer certificate: CN = localhost*'
        $out | Should -BeLikeExactly "*Response from server running on port $($backend.Port)*"
        Wait-Until { $lb.Served -eq 1 } | Should -BeTrue
        $lb.Failed | Should -Be 0
    }

    It 'TLS terminated with PEM files is verified by openssl s_client against the certificate' -ForEach @(
        @{ Kind = 'certificate and key apart'; Key = $true }
        @{ Kind = 'certificate and key in one file'; Key = $false }
    ) {
        $backend = Start-TcpBackend -Port 0
        $tls = if ($Key) { @{ Certificate = $script:CertPem; CertificateKeyPath = $script:KeyPem } } else { @{ Certificate = $script:BothPem } }
        $lb = Start-TcpBalancer -Port 0 -Backend $backend -HealthCheckInterval 0 @tls

        $out = Invoke-OpenSsl @('s_client', '-connect', "127.0.0.1:$($lb.Port)", '-brief', '-ign_eof',
            '-CAfile', $script:CertPem, '-verify_return_error', '-verify_hostname', 'localhost') "hello`n"

        $out | Should -BeLikeExactly '*Verification: OK*'
        $out | Should -BeLikeExactly "*Response from server running on port $($backend.Port)*"
    }

    It 'TLS terminated with a PFX and its password is accepted by .NET SslStream, which sees that certificate' {
        $backend = Start-TcpBackend -Port 0
        $lb = Start-TcpBalancer -Port 0 -Backend $backend -Certificate $script:Pfx -CertificatePassword $script:Password -HealthCheckInterval 0
        $expected = $script:Thumbprint

        $result = Invoke-SslStreamRequest -Port $lb.Port -Validate { param($certificate, $errors) $certificate.Thumbprint -eq $expected }

        $result.Certificate.Thumbprint | Should -BeExactly $script:Thumbprint
        $result.Reply | Should -BeExactly "Response from server running on port $($backend.Port)`n"
        Wait-Until { $lb.Served -eq 1 } | Should -BeTrue
    }

    It 'The self-signed certificate names localhost, 127.0.0.1 and ::1, so only its trust fails a strict client' {
        $backend = Start-TcpBackend -Port 0
        $lb = Start-TcpBalancer -Port 0 -Backend $backend -SelfSignedCertificate -HealthCheckInterval 0

        $result = Invoke-SslStreamRequest -Port $lb.Port -Validate { $true }

        $result.Errors.ToString() | Should -BeExactly 'RemoteCertificateChainErrors'
        $result.Certificate.Subject | Should -BeExactly 'CN=localhost'
        $result.Certificate.HasPrivateKey | Should -BeFalse
        $san = $result.Certificate.Extensions | Where-Object { $_.Oid.Value -eq '2.5.29.17' }
        $san.Format($false) | Should -BeLikeExactly '*localhost*127.0.0.1*'
        $result.Reply | Should -BeExactly "Response from server running on port $($backend.Port)`n"
    }

    It 'A TLS test backend behind a balancer with TLS on both sides, in three lines; echo keeps every byte' {
        $backend = Start-TcpBackend -Port 0 -Tls -Mode Echo
        $lb = $backend | Start-TcpBalancer -Port 0 -SelfSignedCertificate -BackendTls -SkipBackendCertificateCheck -HealthCheckInterval 0
        $payload = -join (1..20000 | ForEach-Object { [char](65 + $_ % 26) })

        $result = Invoke-SslStreamRequest -Port $lb.Port -Message $payload

        $result.Reply | Should -BeExactly $payload
        Wait-Until { $lb.Served -eq 1 } | Should -BeTrue
        $lb.BytesFromClients | Should -Be $payload.Length
        $lb.BytesFromBackends | Should -Be $payload.Length
        (Get-TcpBalancerBackend $lb).Failures | Should -Be 0
    }

    It 'A TLS test backend answers openssl s_client directly, with a certificate file too' {
        $selfSigned = Start-TcpBackend -Port 0 -Tls
        $fromFile = Start-TcpBackend -Port 0 -Certificate $script:Pfx -CertificatePassword $script:Password

        $first = Invoke-OpenSsl @('s_client', '-connect', "127.0.0.1:$($selfSigned.Port)", '-brief', '-ign_eof') "hello`n"
        $second = Invoke-OpenSsl @('s_client', '-connect', "127.0.0.1:$($fromFile.Port)", '-brief', '-ign_eof',
            '-CAfile', $script:CertPem, '-verify_return_error', '-verify_hostname', 'localhost') "hello`n"

        $first | Should -BeLikeExactly "*Response from server running on port $($selfSigned.Port)*"
        $second | Should -BeLikeExactly '*Verification: OK*'
        $second | Should -BeLikeExactly "*Response from server running on port $($fromFile.Port)*"
    }

    Context 'TLS to an openssl s_server backend' {
        BeforeAll {
            $script:ServerPort = Get-FreePort
            $info = [System.Diagnostics.ProcessStartInfo]::new($script:OpenSsl)
            foreach ($a in @('s_server', '-accept', "127.0.0.1:$script:ServerPort", '-cert', $script:CertPem, '-key', $script:KeyPem, '-www', '-quiet')) { $info.ArgumentList.Add($a) }
            $info.RedirectStandardInput = $true
            $info.RedirectStandardOutput = $true
            $info.RedirectStandardError = $true
            $script:Server = [System.Diagnostics.Process]::Start($info)
            $deadline = [DateTime]::UtcNow.AddSeconds(20)
            while ((Test-PortFree $script:ServerPort) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            Test-PortFree $script:ServerPort | Should -BeFalse -Because 'openssl s_server listens'
        }

        AfterAll {
            if ($script:Server -and -not $script:Server.HasExited) { $script:Server.Kill(); $null = $script:Server.WaitForExit(10000) }
            $script:Server.Dispose()
        }

        It 'is verified against the trusted certificate and serves plain clients' {
            $lb = Start-TcpBalancer -Port 0 -Backend "localhost:$script:ServerPort" -BackendTls -BackendTrustedCertificate $script:CertPem -HealthCheckInterval 0

            $result = Invoke-TcpProbe -Port $lb.Port -Count 1 -Message "GET / HTTP/1.0`r`n`r`n"

            $result.Status.ToString() | Should -BeExactly 'Success'
            $result.Response | Should -BeLikeExactly 'HTTP/1.0 200 ok*'
            (Get-TcpBalancerBackend $lb).Failures | Should -Be 0
        }

        It 'is refused when its certificate is not trusted (validation is on by default)' {
            $lb = Start-TcpBalancer -Port 0 -Backend "localhost:$script:ServerPort" -BackendTls -HealthCheckInterval 0 -Retries 0

            $result = Invoke-TcpProbe -Port $lb.Port -Count 1 -Message "GET / HTTP/1.0`r`n`r`n"

            $result.Status.ToString() | Should -Not -BeExactly 'Success'
            $status = Get-TcpBalancerBackend $lb
            $status.Failures | Should -Be 1
            $status.LastError | Should -BeLikeExactly "*TLS handshake with localhost failed: its certificate (CN=localhost) is not trusted*"
            $lb.Failed | Should -Be 1
            (Receive-Job $lb 3>&1 | Out-String) | Should -BeLikeExactly '*not trusted*'
        }

        It 'is refused when the server name does not match its certificate' {
            $lb = Start-TcpBalancer -Port 0 -Backend "localhost:$script:ServerPort" -BackendTls -BackendTrustedCertificate $script:CertPem -BackendTlsServerName other.example -HealthCheckInterval 0 -Retries 0

            $null = Invoke-TcpProbe -Port $lb.Port -Count 1 -Message "GET / HTTP/1.0`r`n`r`n"

            (Get-TcpBalancerBackend $lb).LastError | Should -BeLikeExactly "*is not for 'other.example'*"
            $lb.Failed | Should -Be 1
        }

        It 'is accepted without a check under -SkipBackendCertificateCheck' {
            $lb = Start-TcpBalancer -Port 0 -Backend "127.0.0.1:$script:ServerPort" -BackendTls -SkipBackendCertificateCheck -HealthCheckInterval 0

            (Invoke-TcpProbe -Port $lb.Port -Count 1 -Message "GET / HTTP/1.0`r`n`r`n").Response | Should -BeLikeExactly 'HTTP/1.0 200 ok*'
        }

        It 'is taken Down by health checks that do the TLS handshake when its certificate is not trusted' {
            $lb = Start-TcpBalancer -Port 0 -Backend "localhost:$script:ServerPort" -BackendTls -HealthCheckInterval 100 -Fall 2

            Wait-TcpBalancerBackend $lb -Backend "localhost:$script:ServerPort" -State Down -Timeout 20000

            (Get-TcpBalancerBackend $lb).LastError | Should -BeLikeExactly '*not trusted*'
        }
    }

    It 'A client that does not speak TLS is closed and counted in Failed, and the balancer goes on' {
        $backend = Start-TcpBackend -Port 0
        $lb = Start-TcpBalancer -Port 0 -Backend $backend -SelfSignedCertificate -HealthCheckInterval 0

        $plain = Invoke-TcpProbe -Port $lb.Port -Count 1 -ComputerName 127.0.0.1
        $secure = Invoke-SslStreamRequest -Port $lb.Port

        $plain.Response | Should -Not -BeLikeExactly '*Response from server*'
        $secure.Reply | Should -BeExactly "Response from server running on port $($backend.Port)`n"
        Wait-Until { $lb.Failed -eq 1 -and $lb.Served -eq 1 } | Should -BeTrue
        $lb.Failed | Should -Be 1
        $lb.Served | Should -Be 1
        (Receive-Job $lb 3>&1 | Out-String) | Should -BeLikeExactly '*TLS handshake with a client failed*'
    }

    It 'A detached balancer and backend serve TLS, with a certificate given by a relative path' {
        $prefix = "tls-detached-$PID"
        Push-Location $script:Certs
        try {
            $backend = Start-TcpBackend -Port 0 -Tls -Detached -Name "$prefix-b"
            $lb = Start-TcpBalancer -Port 0 -Certificate ./both.pem -Backend $backend -BackendTls -SkipBackendCertificateCheck -HealthCheckInterval 0 -Detached -Name "$prefix-lb"
        }
        finally {
            Pop-Location
        }
        try {
            $out = Invoke-OpenSsl @('s_client', '-connect', "127.0.0.1:$($lb.Port)", '-brief', '-ign_eof',
                '-CAfile', $script:CertPem, '-verify_return_error', '-verify_hostname', 'localhost') "hello`n"

            $out | Should -BeLikeExactly '*Verification: OK*'
            $out | Should -BeLikeExactly "*Response from server running on port $($backend.Port)*"
        }
        finally {
            Get-TcpBalancer -Name "$prefix-lb" -ErrorAction SilentlyContinue | Stop-TcpBalancer
            Get-TcpBackend -Name "$prefix-b" -ErrorAction SilentlyContinue | Stop-TcpBackend
        }
    }

    It 'A bad certificate is a terminating error naming the file: <Case>' -ForEach @(
        @{ Case = 'missing file'; Id = 'CertificateNotFound'; Message = "*certificate file '*nope.pfx' does not exist*PFX*PEM*" }
        @{ Case = 'wrong password'; Id = 'InvalidCertificate'; Message = "*certificate file '*cert.pfx' cannot be read: the password is wrong*" }
        @{ Case = 'missing password'; Id = 'InvalidCertificate'; Message = "*certificate file '*cert.pfx' cannot be read*needs a password*" }
        @{ Case = 'PEM without its key'; Id = 'InvalidCertificate'; Message = "*PEM certificate '*cert.pem' cannot be loaded with its key: no private key*" }
        @{ Case = 'missing key file'; Id = 'CertificateNotFound'; Message = "*key file '*nokey.pem' does not exist*" }
        @{ Case = 'not a certificate'; Id = 'InvalidCertificate'; Message = "*certificate file '*junk.txt' cannot be read*" }
    ) {
        $junk = Join-Path $script:Certs 'junk.txt'
        Set-Content -Path $junk -Value 'not a certificate'
        $parameters = switch ($Case) {
            'missing file' { @{ Certificate = (Join-Path $script:Certs 'nope.pfx') } }
            'wrong password' { @{ Certificate = $script:Pfx; CertificatePassword = (ConvertTo-SecureString 'wrong' -AsPlainText -Force) } }
            'missing password' { @{ Certificate = $script:Pfx } }
            'PEM without its key' { @{ Certificate = $script:CertPem } }
            'missing key file' { @{ Certificate = $script:CertPem; CertificateKeyPath = (Join-Path $script:Certs 'nokey.pem') } }
            'not a certificate' { @{ Certificate = $junk } }
        }
        $port = Get-FreePort

        $err = { Start-TcpBalancer -Port $port -Backend 1 @parameters } | Should -Throw -ErrorId "$Id,*" -PassThru
        $err.Exception.Message | Should -BeLikeExactly $Message
        $backendErr = { Start-TcpBackend -Port $port @parameters } | Should -Throw -ErrorId "$Id,*" -PassThru
        $backendErr.Exception.Message | Should -BeLikeExactly $Message

        @(Get-Job).Count | Should -Be 0
        Test-PortFree $port | Should -BeTrue
    }

    It 'TLS parameters that do not go together are refused: <Case>' -ForEach @(
        @{ Case = 'password without certificate'; Id = 'CertificateParameterWithoutCertificate'; Message = '*-CertificatePassword needs -Certificate*' }
        @{ Case = 'key without certificate'; Id = 'CertificateParameterWithoutCertificate'; Message = '*-CertificateKeyPath needs -Certificate*' }
        @{ Case = 'certificate and self-signed'; Id = 'CertificateConflict'; Message = '*-Certificate and -SelfSignedCertificate cannot be used together*' }
        @{ Case = 'skip check without backend TLS'; Id = 'BackendTlsParameterWithoutBackendTls'; Message = '*-SkipBackendCertificateCheck cannot be used without -BackendTls*' }
        @{ Case = 'server name without backend TLS'; Id = 'BackendTlsParameterWithoutBackendTls'; Message = '*-BackendTlsServerName cannot be used without -BackendTls*' }
        @{ Case = 'skip check and trusted certificate'; Id = 'BackendCertificateCheckConflict'; Message = '*-SkipBackendCertificateCheck and -BackendTrustedCertificate cannot be used together*' }
        @{ Case = 'password with -Detached'; Id = 'DetachedCertificatePassword'; Message = '*-CertificatePassword cannot be used with -Detached*' }
    ) {
        $parameters = switch ($Case) {
            'password without certificate' { @{ CertificatePassword = $script:Password } }
            'key without certificate' { @{ CertificateKeyPath = $script:KeyPem } }
            'certificate and self-signed' { @{ Certificate = $script:Pfx; SelfSignedCertificate = $true } }
            'skip check without backend TLS' { @{ SkipBackendCertificateCheck = $true } }
            'server name without backend TLS' { @{ BackendTlsServerName = 'localhost' } }
            'skip check and trusted certificate' { @{ BackendTls = $true; SkipBackendCertificateCheck = $true; BackendTrustedCertificate = $script:CertPem } }
            'password with -Detached' { @{ Certificate = $script:Pfx; CertificatePassword = $script:Password; Detached = $true; Name = "tls-refused-$PID" } }
        }

        $err = { Start-TcpBalancer -Port 0 -Backend 1 @parameters } | Should -Throw -ErrorId "$Id,*" -PassThru

        $err.Exception.Message | Should -BeLikeExactly $Message
        @(Get-Job).Count | Should -Be 0
    }
}
