using System;
using System.Collections.Generic;
using System.Net;
using TcpLb.Configuration.Settings;
using TcpLb.Engine.Access;
using TcpLb.Engine.Balancing;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// Start-TcpBalancer's parameters into the options: every setting of BalancerSettings goes
    /// through <see cref="SettingParameters"/> and applies only when given (without a file the
    /// options start at the engine's defaults, which they keep; with one, at the file's). The
    /// values that need reading first (addresses, access rules, TLS material, backends, toxics)
    /// come in already read.
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
            SettingParameters.Apply(_command.MyInvocation.BoundParameters, options, new Dictionary<string, object?>
            {
                [BalancerSettings.ListenAddress.Name] = _listenAddress,
                [BalancerSettings.AllowFrom.Name] = _access.AllowTexts(),
                [BalancerSettings.DenyFrom.Name] = _access.DenyTexts(),
                [BalancerSettings.ConnectionRatePerSource.Name] = _ratePerSource,
            });
            if (Given(nameof(StartTcpBalancerCommand.NoReplay)))
            {
                RetryOnArgument.EnsureNoReplayFits(_command, _command.NoReplay.IsPresent, _command.MyInvocation.BoundParameters.ContainsKey(nameof(StartTcpBalancerCommand.RetryOn)) ? _command.RetryOn : (RetryConditions?)null);
                options.Replay = !_command.NoReplay.IsPresent;
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
