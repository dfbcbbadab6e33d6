using System;
using System.Collections.Generic;
using System.Net;
using TcpLb.Engine.Access;
using TcpLb.Engine.Balancing;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// Start-TcpBalancer's parameters into the options: every parameter without a file; with a
    /// file, only those given on the command line. The settings of BalancerSettings go through
    /// <see cref="SettingParameters"/> and apply only when given: without a file the options start
    /// at the engine's defaults, which they keep. The values that need reading first (addresses,
    /// access rules, TLS material, backends, toxics) come in already read.
    /// </summary>
    internal sealed class StartParameterMapping
    {
        private readonly StartTcpBalancerCommand _command;
        private readonly bool _fromFile;
        private readonly IPAddress _listenAddress;
        private readonly AccessRules _access;
        private readonly ConnectionRate _ratePerSource;
        private readonly TcpLb.Engine.Tls.ListenerTlsOptions? _tls;
        private readonly TcpLb.Engine.Tls.BackendTlsOptions? _backendTls;
        private readonly List<BackendDefinition> _backends;
        private readonly List<BalancerToxic> _toxics;

        public StartParameterMapping(
            StartTcpBalancerCommand command,
            bool fromFile,
            IPAddress listenAddress,
            AccessRules access,
            ConnectionRate ratePerSource,
            TcpLb.Engine.Tls.ListenerTlsOptions? tls,
            TcpLb.Engine.Tls.BackendTlsOptions? backendTls,
            List<BackendDefinition> backends,
            List<BalancerToxic> toxics)
        {
            _command = command;
            _fromFile = fromFile;
            _listenAddress = listenAddress;
            _access = access;
            _ratePerSource = ratePerSource;
            _tls = tls;
            _backendTls = backendTls;
            _backends = backends;
            _toxics = toxics;
        }

        public TcpBalancerOptions ApplyTo(TcpBalancerOptions options)
        {
            if (Given(nameof(StartTcpBalancerCommand.ListenAddress)))
            {
                options.ListenAddress = _listenAddress;
            }
            if (Given(nameof(StartTcpBalancerCommand.Port)))
            {
                options.Port = _command.Port;
            }
            if (_tls != null)
            {
                options.Tls = _tls;
            }
            if (_backendTls != null)
            {
                options.BackendTls = _backendTls;
            }
            if (Given(nameof(StartTcpBalancerCommand.Algorithm)))
            {
                options.Algorithm = _command.Algorithm;
            }
            if (Given(nameof(StartTcpBalancerCommand.AllowFrom)))
            {
                options.AllowFrom.Clear();
                Array.ForEach(_access.AllowTexts(), options.AllowFrom.Add);
            }
            if (Given(nameof(StartTcpBalancerCommand.DenyFrom)))
            {
                options.DenyFrom.Clear();
                Array.ForEach(_access.DenyTexts(), options.DenyFrom.Add);
            }
            if (Given(nameof(StartTcpBalancerCommand.ConnectionRatePerSource)))
            {
                options.ConnectionRatePerSource = _ratePerSource;
            }
            if (Given(nameof(StartTcpBalancerCommand.AcceptProxyProtocol)))
            {
                options.AcceptProxyProtocol = _command.AcceptProxyProtocol.IsPresent;
            }
            SettingParameters.Apply(_command.MyInvocation.BoundParameters, options);
            if (Given(nameof(StartTcpBalancerCommand.SendProxyProtocol)))
            {
                options.SendProxyProtocol = _command.SendProxyProtocol;
            }
            if (Given(nameof(StartTcpBalancerCommand.RetryOn)))
            {
                options.RetryOn = _command.RetryOn;
            }
            if (Given(nameof(StartTcpBalancerCommand.NoReplay)))
            {
                RetryOnArgument.EnsureNoReplayFits(_command, _command.NoReplay.IsPresent, _command.MyInvocation.BoundParameters.ContainsKey(nameof(StartTcpBalancerCommand.RetryOn)) ? _command.RetryOn : (RetryConditions?)null);
                options.Replay = !_command.NoReplay.IsPresent;
            }
            if (Given(nameof(StartTcpBalancerCommand.HealthCheckSend)))
            {
                options.HealthCheck.Send = _command.HealthCheckSend;
            }
            if (Given(nameof(StartTcpBalancerCommand.HealthCheckExpect)))
            {
                options.HealthCheck.ExpectPrefix = _command.HealthCheckExpect;
            }
            if (_backends.Count > 0)
            {
                options.Backends.Clear();
                foreach (BackendDefinition backend in _backends)
                {
                    options.Backends.Add(backend);
                }
            }
            if (Given(nameof(StartTcpBalancerCommand.Toxic)))
            {
                options.Toxics.Clear();
                _toxics.ForEach(options.Toxics.Add);
            }
            return options;
        }

        /// <summary>Whether a parameter applies: always without a file; with one, only when given on the command line.</summary>
        private bool Given(string parameter) => !_fromFile || _command.MyInvocation.BoundParameters.ContainsKey(parameter);
    }
}
