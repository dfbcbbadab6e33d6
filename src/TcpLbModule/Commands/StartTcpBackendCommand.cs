using System.Collections.Generic;
using System.Management.Automation;
using System.Net;
using TcpLb.Engine.Backends;
using TcpLb.Engine.Net;
using TcpLbModule.Detached;
using TcpLbModule.Completion;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>Start-TcpBackend: one test backend job per port.</summary>
    [Cmdlet(VerbsLifecycle.Start, "TcpBackend", HelpUri = HelpLinks.Docs + "Start-TcpBackend.md")]
    [OutputType(typeof(TcpBackendJob), typeof(DetachedTcpServer))]
    public sealed class StartTcpBackendCommand : PSCmdlet, System.IDisposable
    {
        private readonly List<TcpBackendJob> _started = new List<TcpBackendJob>();
        private readonly DetachedStartBatch _detached = new DetachedStartBatch();
        private IPAddress _listenAddress = IPAddress.Loopback;
        private TcpLb.Engine.Access.AccessRules _access = TcpLb.Engine.Access.AccessRules.None;
        private bool _warned;

        /// <summary>Ports to listen on; 0 picks a free port.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateRange(0, 65535)]
        [ArgumentCompleter(typeof(ListenPortCompleter))]
        public int[] Port { get; set; } = new int[0];

        [Parameter]
        public TcpBackendMode Mode { get; set; } = TcpBackendMode.Identify;

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string ListenAddress { get; set; } = "127.0.0.1";

        [Parameter]
        [ValidateNotNullOrEmpty]
        [ValidateServerName]
        [ArgumentCompleter(typeof(NewNameCompleter))]
        public string? Name { get; set; }

        /// <summary>A fault to inject from the start (Set-TcpBackend changes it later).</summary>
        [Parameter]
        public TcpBackendFault Fault { get; set; } = TcpBackendFault.None;

        /// <summary>Milliseconds added before each reply (Identify) or each echoed chunk (Echo).</summary>
        [Parameter]
        [ValidateRange(0, BackendBehaviorArgument.MaxDelay)]
        [Duration]
        public int Latency { get; set; }

        /// <summary>Each delay is drawn from Latency ± Jitter milliseconds, never below zero.</summary>
        [Parameter]
        [ValidateRange(0, BackendBehaviorArgument.MaxDelay)]
        [Duration]
        public int Jitter { get; set; }

        /// <summary>KiB per second each connection may send; 0 for no limit.</summary>
        [Parameter]
        [ValidateRange(0, BackendBehaviorArgument.MaxBandwidthKBps)]
        public int BandwidthKBps { get; set; }

        /// <summary>Sources that may connect: addresses and CIDR ranges, IPv4 or IPv6; others are reset at accept.</summary>
        [Parameter]
        [ValidateNotNull]
        public string[]? AllowFrom { get; set; }

        /// <summary>Sources that are reset at accept; deny wins over allow.</summary>
        [Parameter]
        [ValidateNotNull]
        public string[]? DenyFrom { get; set; }

        /// <summary>Each connection must start with a PROXY protocol header (v1 or v2); its client address is the one rules and -ReportClient use.</summary>
        [Parameter]
        public SwitchParameter AcceptProxyProtocol { get; set; }

        /// <summary>Identify mode adds the client's address to its reply ("... on port 8088 for 127.0.0.1:51234").</summary>
        [Parameter]
        public SwitchParameter ReportClient { get; set; }

        /// <summary>Each backend in a background process of its own that outlives this session (see Get-TcpBackend).</summary>
        [Parameter]
        public SwitchParameter Detached { get; set; }

        /// <summary>Serve TLS; with no certificate given, a throwaway self-signed one for localhost.</summary>
        [Parameter]
        public SwitchParameter Tls { get; set; }

        /// <summary>Serve TLS with this certificate: a PFX file, or a PEM certificate (key in it or in -CertificateKeyPath).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Certificate { get; set; }

        /// <summary>The password of the -Certificate PFX file.</summary>
        [Parameter]
        public System.Security.SecureString? CertificatePassword { get; set; }

        /// <summary>The PEM private key of a PEM -Certificate, when it is in a file of its own.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? CertificateKeyPath { get; set; }

        /// <summary>Serve TLS with a throwaway self-signed certificate for localhost.</summary>
        [Parameter]
        public SwitchParameter SelfSignedCertificate { get; set; }

        private TcpLb.Engine.Tls.ListenerTlsOptions? _tls;

        protected override void BeginProcessing()
        {
            _listenAddress = ListenAddressArgument.Resolve(this, ListenAddress);
            _access = AccessArgument.Rules(this, AllowFrom, DenyFrom);
            if (!Detached)
            {
                // One certificate serves every port of this call.
                _tls = TlsArgument.Listener(this, Certificate, CertificatePassword, CertificateKeyPath, SelfSignedCertificate, required: Tls);
            }
        }

        protected override void ProcessRecord()
        {
            if (Name != null && !Detached)
            {
                if (Port.Length + _started.Count > 1)
                {
                    ThrowTerminatingError(new ErrorRecord(
                        new System.ArgumentException($"-Name '{Name}' would name {Port.Length + _started.Count} backends, and a name addresses one job. Start them one by one with a name each, or leave -Name out (each is then named TcpBackend:<port>)."),
                        "NameInUse",
                        ErrorCategory.InvalidArgument,
                        Name));
                }
                SessionJobNames.EnsureFree(this, Name);
            }
            foreach (int port in Port)
            {
                if (Detached)
                {
                    // Started side by side; EndProcessing waits for them all.
                    System.Collections.Hashtable parameters = DetachedServerClient.ForwardedParameters(this, new[] { nameof(Detached), nameof(Port) }, askVerbose: false);
                    parameters[nameof(Port)] = port;
                    TlsArgument.ForDetached(this, parameters, Certificate, CertificatePassword, CertificateKeyPath, SelfSignedCertificate);
                    _detached.Begin(this, MyInvocation.MyCommand.Name, parameters, Name, "backend on port " + port);
                    continue;
                }
                var options = new TcpTestBackendOptions { ListenAddress = _listenAddress, Port = port, Mode = Mode, Tls = _tls, AcceptProxyProtocol = AcceptProxyProtocol.IsPresent, ReportClient = ReportClient.IsPresent };
                System.Array.ForEach(_access.AllowTexts(), options.AllowFrom.Add);
                System.Array.ForEach(_access.DenyTexts(), options.DenyFrom.Add);
                options.Behavior.Set(Fault, BackendBehaviorArgument.Delay(Latency), BackendBehaviorArgument.Delay(Jitter), BackendBehaviorArgument.BytesPerSecond(BandwidthKBps));
                var backend = new TcpTestBackend(options);
                try
                {
                    backend.Start();
                }
                catch (ListenerBindException e)
                {
                    // Nothing half-started: the backends this call already started go too.
                    foreach (TcpBackendJob job in _started)
                    {
                        job.StopJob();
                        JobRepository.Remove(job);
                    }
                    ThrowTerminatingError(new ErrorRecord(e, e.IsAddressInUse ? "PortInUse" : "ListenFailed", ErrorCategory.ResourceUnavailable, port));
                }

                if (!_warned)
                {
                    // Once per call: the ports of one call share the listen address.
                    BindWarning.WriteIfExposed(this, backend.LocalEndPoint, restricted: _access.Allow.Count > 0);
                    _warned = true;
                }
                var started = new TcpBackendJob(MyInvocation.Line, Name ?? "TcpBackend:" + backend.Port, backend);
                JobRepository.Add(started);
                WriteVerbose($"Backend job '{started.Name}' (Id {started.Id}) is listening on {started.Location}: {Mode}{(_tls != null ? ", TLS" : "")}, behaving: {backend.Behavior}.");
                if (Narration.Debugging(this))
                {
                    started.TraceToDebug();
                }
                _started.Add(started);
                WriteObject(started);
            }
        }

        protected override void EndProcessing() => _detached.WaitAll(this);

        protected override void StopProcessing() => _detached.Stop();

        public void Dispose() => _detached.Dispose();
    }
}
