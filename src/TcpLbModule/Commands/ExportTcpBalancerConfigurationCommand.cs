using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Text;
using TcpLb.Configuration;
using TcpLbModule.Detached;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// Export-TcpBalancerConfiguration: a running balancer's configuration as it is now (pool,
    /// weights, algorithm and every setting) as a psd1, JSON or TOML file that
    /// Start-TcpBalancer -ConfigurationPath reads back, or as the equivalent HAProxy or nginx
    /// configuration. Several balancers make one file with several servers.
    /// </summary>
    [Cmdlet(VerbsData.Export, "TcpBalancerConfiguration", DefaultParameterSetName = ByJob, SupportsShouldProcess = true, HelpUri = HelpLinks.Docs + "Export-TcpBalancerConfiguration.md")]
    [OutputType(typeof(string))]
    public sealed class ExportTcpBalancerConfigurationCommand : JobTargetCommand<TcpBalancerJob>
    {
        private readonly List<BalancerDefinition> _balancers = new List<BalancerDefinition>();
        private ConfigurationFormat _format = ConfigurationFormat.Toml;
        private string? _path;

        /// <summary>Psd1, Json, Toml, HAProxy or Nginx; without it, the -Path extension decides, else TOML.</summary>
        [Parameter]
        public ConfigurationFormat Format { get; set; } = ConfigurationFormat.Toml;

        /// <summary>Write the file here instead of writing the text to the pipeline.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        protected override string JobKind => "balancer";

        protected override void BeginProcessing()
        {
            if (Path != null)
            {
                _path = GetUnresolvedProviderPathFromPSPath(Path);
            }
            if (MyInvocation.BoundParameters.ContainsKey(nameof(Format)))
            {
                _format = Format;
            }
            else if (_path != null)
            {
                try
                {
                    _format = BalancerConfiguration.FormatOf(_path);
                }
                catch (ConfigurationException)
                {
                    Fail($"-Path '{Path}' does not say which format to write: its extension is not {BalancerConfiguration.AcceptedExtensions}. Give -Format Psd1, Json, Toml, HAProxy or Nginx.", "FormatNotGiven", ErrorCategory.InvalidArgument, Path);
                }
            }
        }

        protected override void ProcessRecord()
        {
            foreach (TcpBalancerJob job in ResolveJobs(mustBeRunning: false))
            {
                _balancers.Add(new BalancerDefinition(job.Name, job.Balancer.CurrentConfiguration()));
            }
        }

        protected override void EndProcessing()
        {
            base.EndProcessing();
            if (_balancers.Count == 0)
            {
                return; // every balancer addressed was detached: each one's process wrote its own answer
            }
            string text = BalancerConfiguration.Write(_balancers, _format);
            if (_path == null)
            {
                WriteObject(text);
                return;
            }
            if (!ShouldProcess(_path, $"Write the {_format} configuration of {_balancers.Count} balancer(s)"))
            {
                return;
            }
            try
            {
                File.WriteAllText(_path, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                ThrowTerminatingError(new ErrorRecord(new IOException($"-Path '{Path}' cannot be written: {e.Message}", e), "ConfigurationFileNotWritten", ErrorCategory.WriteError, Path));
            }
        }

        /// <summary>A detached balancer exports in its own process; the file path goes as a full path, the format as decided here.</summary>
        protected override void ForwardTo(DetachedTcpServer server)
        {
            System.Collections.Hashtable parameters = DetachedServerClient.ForwardedParameters(this, new[] { nameof(Job), nameof(Name), nameof(Id), nameof(Server), "WhatIf", "Confirm" });
            parameters[nameof(Name)] = new[] { WildcardPattern.Escape(server.Name) };
            parameters[nameof(Format)] = _format.ToString();
            if (_path != null)
            {
                if (!ShouldProcess(_path, $"Write the {_format} configuration of detached balancer '{server.Name}'"))
                {
                    return;
                }
                parameters[nameof(Path)] = _path;
            }
            ForwardTo(server, parameters);
        }
    }
}
