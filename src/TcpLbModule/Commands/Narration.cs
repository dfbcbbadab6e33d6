using System;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using TcpLb.Configuration;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Probing;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// What -Verbose and -Debug tell about Start-TcpBalancer, Start-TcpBackend and
    /// Invoke-TcpProbe: what is being started or probed, with what settings, and what came of it.
    /// The engine has no per-connection trace hook yet; -Debug shows the effective configuration
    /// and, on the job's Debug stream, every engine event with its time.
    /// </summary>
    internal static class Narration
    {
        /// <summary>True when the cmdlet writes debug records (-Debug, or $DebugPreference other than SilentlyContinue).</summary>
        public static bool Debugging(PSCmdlet cmdlet)
        {
            if (cmdlet.MyInvocation.BoundParameters.TryGetValue("Debug", out object? debug))
            {
                return debug is SwitchParameter on ? on.IsPresent : LanguagePrimitives.IsTrue(debug);
            }
            object? preference = cmdlet.GetVariableValue("DebugPreference");
            return preference is ActionPreference value && value != ActionPreference.SilentlyContinue && value != ActionPreference.Ignore;
        }

        public static string Starting(BalancerDefinition balancer)
        {
            TcpBalancerOptions o = balancer.Options;
            string checks = o.HealthCheck.Enabled ? $"health checks every {Ms(o.HealthCheck.Interval)}" : "no health checks";
            return string.Format(CultureInfo.InvariantCulture,
                "Starting balancer{0} on {1}: {2} backend(s) ({3}), {4}, {5}, {6} retries, connect timeout {7}.",
                balancer.Name == null ? "" : $" '{balancer.Name}'",
                TcpLb.Engine.Net.Endpoints.Format(o.ListenAddress.ToString(), o.Port) + (o.Port == 0 ? " (a free port)" : ""),
                o.Backends.Count,
                string.Join(", ", o.Backends.Select(b => b.ToString())),
                o.Algorithm,
                checks,
                o.Retries,
                Ms(o.ConnectTimeout));
        }

        /// <summary>The whole configuration a balancer starts with, as the TOML a file would hold.</summary>
        public static string Configuration(BalancerDefinition balancer)
            => "Configuration:\n" + BalancerConfiguration.Write(new[] { balancer }, ConfigurationFormat.Toml).TrimEnd();

        public static string Probing(TcpProbeOptions o)
            => string.Format(CultureInfo.InvariantCulture,
                "Probing {0}: {1} connection(s), {2} at a time, {3} timeout each, sending '{4}'.",
                TcpLb.Engine.Net.Endpoints.Format(o.ComputerName, o.Port), o.Count, o.Concurrency, Ms(o.Timeout), o.Message);

        public static string Probed(TcpProbeResult r)
            => string.Format(CultureInfo.InvariantCulture,
                "Connection {0} to {1}: {2}{3} in {4:0.###} ms{5}.",
                r.Sequence, r.RemoteEndPoint ?? r.Target, r.Status, r.Backend.HasValue ? $" from backend {r.Backend}" : "", r.Latency.TotalMilliseconds,
                r.Error == null ? "" : $" ({r.Error})");

        public static string Ms(TimeSpan duration)
            => duration == System.Threading.Timeout.InfiniteTimeSpan ? "none" : duration.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + " ms";
    }
}
