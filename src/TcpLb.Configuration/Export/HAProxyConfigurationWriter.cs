using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using TcpLb.Configuration.Settings;
using TcpLb.Engine.Balancing;

namespace TcpLb.Configuration.Export
{
    /// <summary>
    /// Writes balancers as a complete HAProxy configuration (<c>mode tcp</c>, one <c>listen</c>
    /// section each) for users who outgrow one process: algorithm, weights, backups, health
    /// checks, timeouts, retries and limits mapped to their closest HAProxy equivalents, with a
    /// comment on what has none. <c>haproxy -c -f</c> accepts the result.
    /// </summary>
    public sealed class HAProxyConfigurationWriter
    {
        /// <summary>The pid file HAProxy writes when it starts (global <c>pidfile</c>); null leaves it out.</summary>
        public string? PidFile { get; set; }

        public string Write(IReadOnlyList<BalancerDefinition> balancers)
        {
            if (balancers == null || balancers.Count == 0)
            {
                throw new ArgumentException("No balancers to write: give at least one.", nameof(balancers));
            }
            var text = new StringBuilder();
            text.AppendLine("# HAProxy configuration written by TcpLbModule: one listen section per balancer, mode tcp.");
            text.AppendLine("# Check it with: haproxy -c -f <this file>");
            text.AppendLine();
            text.AppendLine("global");
            int total = balancers.Sum(b => b.Options.MaxConnections == 0 ? 4096 : b.Options.MaxConnections);
            text.AppendLine("    maxconn " + ExportNames.Number(Math.Max(total, 256)));
            if (PidFile != null)
            {
                text.AppendLine("    pidfile " + Quote(PidFile));
            }
            text.AppendLine();
            text.AppendLine("defaults");
            text.AppendLine("    mode tcp");
            text.AppendLine();

            List<string> names = ExportNames.SectionNames(balancers);
            for (int i = 0; i < balancers.Count; i++)
            {
                WriteListen(text, names[i], balancers[i]);
            }
            return text.ToString();
        }

        /// <summary>RetryOn in HAProxy's words; what TCP mode does not do is said in a comment.</summary>
        private static void WriteRetryOn(StringBuilder text, RetryConditions retryOn)
        {
            var words = new List<string>();
            if ((retryOn & RetryConditions.ConnectFailure) != 0)
            {
                words.Add("conn-failure");
            }
            if ((retryOn & RetryConditions.EmptyResponse) != 0)
            {
                words.Add("empty-response");
            }
            if ((retryOn & RetryConditions.ResponseTimeout) != 0)
            {
                words.Add("response-timeout");
            }
            text.AppendLine("    retry-on " + (words.Count == 0 ? "none" : string.Join(" ", words)));
            if ((retryOn & TcpBalancerOptions.ReplayConditions) != 0)
            {
                text.AppendLine("    # " + BalancerSettings.RetryOn.Name + " " + retryOn + ": the balancer replays a connection's first bytes to another backend when its backend "
                    + "ends before answering; HAProxy in TCP mode retries failed connects only (empty-response and response-timeout act in HTTP mode).");
            }
        }

        private static void WriteListen(StringBuilder text, string name, BalancerDefinition balancer)
        {
            TcpBalancerOptions o = balancer.Options;
            text.AppendLine("listen " + name);
            text.AppendLine("    bind " + ExportNames.Listen(balancer) + (o.AcceptProxyProtocol ? " accept-proxy" : ""));
            text.AppendLine("    mode tcp");
            WriteAlgorithm(text, o.Algorithm);
            WriteAccess(text, o);

            // Limits.
            if (o.MaxConnections > 0)
            {
                text.AppendLine("    maxconn " + ExportNames.Number(o.MaxConnections));
            }
            else
            {
                text.AppendLine("    # MaxConnections 0 (no limit): HAProxy always has one; the global maxconn above bounds it.");
            }
            text.AppendLine("    timeout queue " + ExportNames.Duration(o.QueueTimeout));
            text.AppendLine("    # " + ExportNames.Setting(BalancerSettings.QueueLength, o) + ": HAProxy queues per server (maxqueue), not per balancer; set on each server below.");

            // Timeouts.
            text.AppendLine("    timeout connect " + ExportNames.Duration(o.ConnectTimeout));
            text.AppendLine("    timeout client " + ExportNames.Duration(o.IdleTimeout) + (o.IdleTimeout == System.Threading.Timeout.InfiniteTimeSpan ? "  # IdleTimeout infinite: HAProxy's timers stop at about 24 days" : ""));
            text.AppendLine("    timeout server " + ExportNames.Duration(o.IdleTimeout));
            text.AppendLine("    timeout client-fin " + ExportNames.Duration(o.FinTimeout));
            text.AppendLine("    timeout server-fin " + ExportNames.Duration(o.FinTimeout));
            if (o.ResponseTimeout > TimeSpan.Zero)
            {
                text.AppendLine("    # " + ExportNames.Setting(BalancerSettings.ResponseTimeout, o) + " (time to the backend's first byte): no TCP-mode equivalent; timeout server (idle) applies instead.");
            }

            // Retries and redispatch.
            text.AppendLine("    retries " + ExportNames.Number(o.Retries));
            text.AppendLine("    option redispatch 1");
            WriteRetryOn(text, o.RetryOn);

            // Health checks.
            HealthCheckOptions h = o.HealthCheck;
            string check = "";
            if (h.Enabled)
            {
                text.AppendLine("    timeout check " + ExportNames.Duration(h.Timeout));
                if (h.Send != null || h.ExpectPrefix != null)
                {
                    text.AppendLine("    option tcp-check");
                    text.AppendLine("    tcp-check connect");
                    if (!string.IsNullOrEmpty(h.Send))
                    {
                        text.AppendLine("    tcp-check send " + Quote(h.Send!));
                    }
                    if (!string.IsNullOrEmpty(h.ExpectPrefix))
                    {
                        text.AppendLine("    tcp-check expect rstring " + Quote("^" + Regex.Escape(h.ExpectPrefix!)));
                    }
                }
                check = $" check inter {ExportNames.Duration(h.Interval)} rise {ExportNames.Number(h.Rise)} fall {ExportNames.Number(h.Fall)}";
                if (o.ConnectFailuresBeforeDown > 0)
                {
                    check += $" observe layer4 error-limit {ExportNames.Number(o.ConnectFailuresBeforeDown)} on-error mark-down";
                }
            }
            else
            {
                text.AppendLine("    # Health checks off (HealthCheckInterval 0): servers have no check.");
            }
            if (o.SlowStart > TimeSpan.Zero)
            {
                check += " slowstart " + ExportNames.Duration(o.SlowStart);
            }

            bool weights = ExportNames.UsesWeights(o.Algorithm);
            if (!weights && o.Backends.Any(b => b.Weight != BackendDefinition.DefaultWeight))
            {
                text.AppendLine($"    # Weights are left out: {o.Algorithm} does not use them.");
            }
            int index = 0;
            foreach (BackendDefinition backend in o.Backends)
            {
                index++;
                var server = new StringBuilder($"    server s{index} {ExportNames.Server(backend)}");
                if (weights)
                {
                    server.Append(" weight ").Append(ExportNames.Number(backend.Weight));
                }
                int limit = ExportNames.MaxConnections(backend, o);
                if (limit > 0)
                {
                    server.Append(" maxconn ").Append(ExportNames.Number(limit)).Append(" maxqueue ").Append(ExportNames.Number(o.QueueLength));
                }
                if (backend.Backup)
                {
                    server.Append(" backup");
                }
                switch (backend.SendProxyProtocol ?? o.SendProxyProtocol)
                {
                    case Engine.Net.ProxyProtocolVersion.V1:
                        server.Append(" send-proxy");
                        break;
                    case Engine.Net.ProxyProtocolVersion.V2:
                        server.Append(" send-proxy-v2");
                        break;
                }
                server.Append(check);
                text.AppendLine(server.ToString());
            }
            text.AppendLine();
        }

        /// <summary>Access rules and per-source limits as tcp-request connection rules (deny first, as the engine checks them), toxics as a comment.</summary>
        private static void WriteAccess(StringBuilder text, TcpBalancerOptions o)
        {
            if (o.DenyFrom.Count > 0)
            {
                text.AppendLine("    tcp-request connection reject if { src " + string.Join(" ", o.DenyFrom) + " }");
            }
            if (o.AllowFrom.Count > 0)
            {
                text.AppendLine("    tcp-request connection reject if !{ src " + string.Join(" ", o.AllowFrom) + " }");
            }
            if (o.MaxConnectionsPerSource > 0 || !o.ConnectionRatePerSource.IsNone)
            {
                var store = new List<string>();
                if (o.MaxConnectionsPerSource > 0)
                {
                    store.Add("conn_cur");
                }
                if (!o.ConnectionRatePerSource.IsNone)
                {
                    store.Add("conn_rate(" + ExportNames.Duration(o.ConnectionRatePerSource.Period) + ")");
                }
                text.AppendLine("    stick-table type ipv6 size " + ExportNames.Number(o.SourceTableCapacity) + " expire " + ExportNames.Duration(TimeSpan.FromMinutes(1)) + " store " + string.Join(",", store));
                text.AppendLine("    tcp-request connection track-sc0 src");
                if (o.MaxConnectionsPerSource > 0)
                {
                    text.AppendLine("    tcp-request connection reject if { sc0_conn_cur gt " + ExportNames.Number(o.MaxConnectionsPerSource) + " }");
                }
                if (!o.ConnectionRatePerSource.IsNone)
                {
                    text.AppendLine("    tcp-request connection reject if { sc0_conn_rate gt " + ExportNames.Number(o.ConnectionRatePerSource.Count) + " }  # " + ExportNames.Setting(BalancerSettings.ConnectionRatePerSource, o) + " (HAProxy counts a sliding period, not a token bucket)");
                }
            }
            if (o.AcceptProxyProtocol)
            {
                text.AppendLine("    # " + ExportNames.Setting(BalancerSettings.ProxyHeaderTimeout, o) + ": HAProxy waits for the PROXY header within timeout client.");
            }
            if (o.Toxics.Count > 0)
            {
                text.AppendLine("    # Toxics (" + string.Join(", ", o.Toxics.Select(t => t.Name)) + "): no equivalent (toxics are TcpLbModule's).");
            }
        }

        private static void WriteAlgorithm(StringBuilder text, BalancingAlgorithm algorithm)
        {
            switch (algorithm)
            {
                case BalancingAlgorithm.RoundRobin:
                    text.AppendLine("    balance roundrobin");
                    break;
                case BalancingAlgorithm.WeightedRoundRobin:
                    text.AppendLine("    balance roundrobin  # with the servers' weights");
                    break;
                case BalancingAlgorithm.LeastConnections:
                    text.AppendLine("    balance leastconn");
                    break;
                case BalancingAlgorithm.PowerOfTwoChoices:
                    text.AppendLine("    balance random(2)");
                    break;
                case BalancingAlgorithm.SourceHash:
                    text.AppendLine("    balance source");
                    text.AppendLine("    hash-type consistent");
                    break;
                case BalancingAlgorithm.Random:
                    text.AppendLine("    balance random");
                    break;
                case BalancingAlgorithm.First:
                    text.AppendLine("    balance first  # fills servers in order up to their maxconn");
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown algorithm.");
            }
        }

        /// <summary>A double-quoted HAProxy string: backslash, quote, $ and control characters escaped.</summary>
        internal static string Quote(string value)
        {
            var quoted = new StringBuilder("\"");
            foreach (char c in value)
            {
                switch (c)
                {
                    case '\\': quoted.Append("\\\\"); break;
                    case '"': quoted.Append("\\\""); break;
                    case '$': quoted.Append("\\$"); break;
                    case '\r': quoted.Append("\\r"); break;
                    case '\n': quoted.Append("\\n"); break;
                    case '\t': quoted.Append("\\t"); break;
                    default:
                        if (c < ' ')
                        {
                            quoted.Append("\\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                        }
                        else
                        {
                            quoted.Append(c);
                        }
                        break;
                }
            }
            return quoted.Append('"').ToString();
        }
    }
}
