using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Net;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Net;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>Start-TcpBalancer: a round-robin TCP balancer as a job.</summary>
    [Cmdlet(VerbsLifecycle.Start, "TcpBalancer")]
    [OutputType(typeof(TcpBalancerJob))]
    public sealed class StartTcpBalancerCommand : PSCmdlet
    {
        private readonly List<BackendAddress> _backends = new List<BackendAddress>();
        private IPAddress _listenAddress = IPAddress.Loopback;

        /// <summary>Listen port; 0 picks a free port.</summary>
        [Parameter(Position = 0)]
        [ValidateRange(0, 65535)]
        public int Port { get; set; } = TcpBalancerOptions.DefaultPort;

        /// <summary>Ports, host:port, [v6]:port, or TcpBackend jobs.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        [AllowEmptyCollection]
        [AllowNull]
        public object?[]? Backend { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string ListenAddress { get; set; } = "127.0.0.1";

        /// <summary>Milliseconds to wait for a backend to accept a connection.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int ConnectTimeout { get; set; } = 2000;

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        protected override void BeginProcessing() => _listenAddress = ListenAddressArgument.Resolve(this, ListenAddress);

        protected override void ProcessRecord()
        {
            if (Backend == null)
            {
                return;
            }
            foreach (object? value in Backend)
            {
                if (!BackendArgument.TryConvert(value, out BackendAddress? address, out string? reason))
                {
                    ThrowTerminatingError(new ErrorRecord(new ArgumentException(reason), "InvalidBackend", ErrorCategory.InvalidArgument, value));
                }
                _backends.Add(address!);
            }
        }

        protected override void EndProcessing()
        {
            if (_backends.Count == 0)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException($"-Backend: no backends were given. Give at least one: {BackendAddress.AcceptedForms}, or a job from Start-TcpBackend."),
                    "NoBackends",
                    ErrorCategory.InvalidArgument,
                    Backend));
            }

            var options = new TcpBalancerOptions
            {
                ListenAddress = _listenAddress,
                Port = Port,
                ConnectTimeout = TimeSpan.FromMilliseconds(ConnectTimeout),
            };
            foreach (BackendAddress backend in _backends)
            {
                options.Backends.Add(backend);
            }

            TcpBalancer balancer;
            try
            {
                balancer = new TcpBalancer(options);
            }
            catch (ArgumentException e)
            {
                // A backend host that does not resolve.
                ThrowTerminatingError(new ErrorRecord(e, "InvalidBackend", ErrorCategory.InvalidArgument, Backend));
                return;
            }
            try
            {
                balancer.Start();
            }
            catch (ListenerBindException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, e.IsAddressInUse ? "PortInUse" : "ListenFailed", ErrorCategory.ResourceUnavailable, Port));
            }

            var job = new TcpBalancerJob(MyInvocation.Line, Name ?? "TcpBalancer:" + balancer.Port, balancer);
            JobRepository.Add(job);
            WriteObject(job);
        }
    }
}
