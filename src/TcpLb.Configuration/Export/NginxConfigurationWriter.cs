using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using TcpLb.Configuration.Settings;
using TcpLb.Engine.Balancing;

namespace TcpLb.Configuration.Export
{
    /// <summary>
    /// Writes balancers as a complete nginx.conf with a <c>stream</c> block (one upstream and one
    /// server each) for users who outgrow one process: algorithm, weights, backups, limits,
    /// timeouts and retries mapped to their closest open-source nginx equivalents, with a comment
    /// on what has none (active health checks and slow start are nginx Plus only). <c>nginx -t -c</c>
    /// accepts the result.
    /// </summary>
    public sealed class NginxConfigurationWriter
    {
        /// <summary>Where Debian's libnginx-mod-stream puts the stream module.</summary>
        public const string DebianStreamModule = "/usr/lib/nginx/modules/ngx_stream_module.so";

        /// <summary>The stream module to load (<c>load_module</c>); null when nginx has it built in.</summary>
        public string? StreamModule { get; set; } = DebianStreamModule;

        /// <summary>nginx's pid file; by default in /tmp, so a user without root can start it.</summary>
        public string PidFile { get; set; } = "/tmp/tcplb-nginx.pid";

        /// <summary>nginx's error log; by default in /tmp.</summary>
        public string ErrorLog { get; set; } = "/tmp/tcplb-nginx-error.log";

        public string Write(IReadOnlyList<BalancerDefinition> balancers)
        {
            if (balancers == null || balancers.Count == 0)
            {
                throw new ArgumentException("No balancers to write: give at least one.", nameof(balancers));
            }
            var text = new StringBuilder();
            text.AppendLine("# nginx configuration written by TcpLbModule: a stream block with one upstream and one server per balancer.");
            text.AppendLine("# Check it with: nginx -t -c <this file>; run it with: nginx -c <this file>");
            if (StreamModule != null)
            {
                text.AppendLine("load_module " + StreamModule + ";");
            }
            text.AppendLine("# One worker keeps one rotation, as the balancer has (each worker rotates on its own).");
            text.AppendLine("worker_processes 1;");
            text.AppendLine("pid " + PidFile + ";");
            text.AppendLine("error_log " + ErrorLog + " warn;");
            text.AppendLine();
            int connections = balancers.Sum(b => b.Options.MaxConnections == 0 ? 4096 : b.Options.MaxConnections * 2);
            text.AppendLine("events {");
            text.AppendLine("    worker_connections " + ExportNames.Number(Math.Max(1024, connections)) + ";");
            text.AppendLine("}");
            text.AppendLine();
            text.AppendLine("stream {");
            List<string> names = ExportNames.SectionNames(balancers);
            for (int i = 0; i < balancers.Count; i++)
            {
                WriteBalancer(text, names[i], balancers[i]);
            }
            text.AppendLine("}");
            return text.ToString();
        }

        private static void WriteBalancer(StringBuilder text, string name, BalancerDefinition balancer)
        {
            TcpBalancerOptions o = balancer.Options;
            if (o.MaxConnections > 0)
            {
                text.AppendLine($"    limit_conn_zone $server_port zone={name}_connections:1m;");
            }
            if (o.MaxConnectionsPerSource > 0)
            {
                text.AppendLine($"    limit_conn_zone $binary_remote_addr zone={name}_sources:10m;");
            }
            text.AppendLine("    upstream " + name + " {");
            bool backupsAllowed = WriteAlgorithm(text, o.Algorithm);
            HealthCheckOptions h = o.HealthCheck;
            string passive = "";
            if (h.Enabled)
            {
                TimeSpan failTimeout = TimeSpan.FromTicks(h.Interval.Ticks * Math.Max(h.Rise, h.Fall));
                text.AppendLine($"        # Active health checks (every {ExportNames.Duration(h.Interval)}, rise {h.Rise}, fall {h.Fall}" +
                    (h.Send != null || h.ExpectPrefix != null ? ", with send/expect" : "") +
                    ") are nginx Plus only; open-source nginx marks a server failed after max_fails failed connects and tries it again after fail_timeout.");
                passive = $" max_fails={ExportNames.Number(Math.Max(1, o.ConnectFailuresBeforeDown == 0 ? h.Fall : o.ConnectFailuresBeforeDown))} fail_timeout={ExportNames.Number((int)Math.Max(1, Math.Ceiling(failTimeout.TotalSeconds)))}s";
            }
            else
            {
                text.AppendLine("        # Health checks off: max_fails=0 never marks a server failed.");
                passive = " max_fails=0";
            }
            if (o.SlowStart > TimeSpan.Zero)
            {
                text.AppendLine($"        # {ExportNames.Setting(BalancerSettings.SlowStart, o)}: slow_start is nginx Plus only.");
            }
            bool weights = ExportNames.UsesWeights(o.Algorithm);
            if (!weights && o.Backends.Any(b => b.Weight != BackendDefinition.DefaultWeight))
            {
                text.AppendLine($"        # Weights are left out: {o.Algorithm} does not use them.");
            }
            if (o.QueueLength > 0 && (o.MaxConnections > 0 || o.Backends.Any(b => ExportNames.MaxConnections(b, o) > 0)))
            {
                text.AppendLine($"        # {ExportNames.Setting(BalancerSettings.QueueLength, o)} / {ExportNames.Setting(BalancerSettings.QueueTimeout, o)}: open-source nginx has no queue; a connection over a limit is refused at once.");
            }
            foreach (BackendDefinition backend in o.Backends)
            {
                var server = new StringBuilder("        ");
                if (backend.Backup && !backupsAllowed)
                {
                    server.Append($"# backup server left out: nginx does not allow backup with {o.Algorithm}'s method: ");
                }
                server.Append("server ").Append(ExportNames.Server(backend));
                if (weights)
                {
                    server.Append(" weight=").Append(ExportNames.Number(backend.Weight));
                }
                int limit = ExportNames.MaxConnections(backend, o);
                if (limit > 0)
                {
                    server.Append(" max_conns=").Append(ExportNames.Number(limit));
                }
                server.Append(passive);
                if (backend.Backup)
                {
                    server.Append(" backup");
                }
                text.AppendLine(server.Append(';').ToString());
            }
            text.AppendLine("    }");

            text.AppendLine("    server {");
            text.AppendLine("        listen " + ExportNames.Listen(balancer) + (o.AcceptProxyProtocol ? " proxy_protocol" : "") + ";");
            if (o.AcceptProxyProtocol)
            {
                text.AppendLine("        proxy_protocol_timeout " + ExportNames.Duration(o.ProxyHeaderTimeout) + ";");
            }
            WriteAccess(text, name, o);
            text.AppendLine("        proxy_pass " + name + ";");
            text.AppendLine("        proxy_connect_timeout " + ExportNames.Duration(o.ConnectTimeout) + ";");
            text.AppendLine("        proxy_timeout " + ExportNames.Duration(o.IdleTimeout) + ";" + (o.IdleTimeout == System.Threading.Timeout.InfiniteTimeSpan ? "  # IdleTimeout infinite: 24 days" : ""));
            text.AppendLine("        proxy_next_upstream " + ((o.RetryOn & RetryConditions.ConnectFailure) != 0 ? "on" : "off") + ";");
            text.AppendLine("        proxy_next_upstream_tries " + ExportNames.Number(o.Retries + 1) + ";  # Retries " + ExportNames.Number(o.Retries) + " after the first attempt");
            if (o.MaxConnections > 0)
            {
                text.AppendLine($"        limit_conn {name}_connections {ExportNames.Number(o.MaxConnections)};");
            }
            if (o.ResponseTimeout > TimeSpan.Zero)
            {
                text.AppendLine("        # " + ExportNames.Setting(BalancerSettings.ResponseTimeout, o) + " (time to the backend's first byte): no stream equivalent; proxy_timeout (idle) applies instead.");
            }
            // Without it nginx ends the session at the client's FIN, before the backend answers.
            text.AppendLine("        proxy_half_close on;  # a FIN is passed on, as the balancer does");
            text.AppendLine("        # " + ExportNames.Setting(BalancerSettings.FinTimeout, o) + ": no stream equivalent; a half-closed connection ends at proxy_timeout.");
            if (o.Replay)
            {
                text.AppendLine("        # " + ExportNames.Setting(BalancerSettings.RetryOn, o) + ": nginx moves a connection to the next server only when the connect fails, not when the server fails after accepting.");
            }
            text.AppendLine("    }");
        }

        /// <summary>Access rules (deny first, as the engine checks them), per-source limits, the PROXY header to backends, toxics as a comment.</summary>
        private static void WriteAccess(StringBuilder text, string name, TcpBalancerOptions o)
        {
            foreach (string range in o.DenyFrom)
            {
                text.AppendLine("        deny " + range + ";");
            }
            foreach (string range in o.AllowFrom)
            {
                text.AppendLine("        allow " + range + ";");
            }
            if (o.AllowFrom.Count > 0)
            {
                text.AppendLine("        deny all;");
            }
            if (o.MaxConnectionsPerSource > 0)
            {
                text.AppendLine($"        limit_conn {name}_sources {ExportNames.Number(o.MaxConnectionsPerSource)};");
            }
            if (!o.ConnectionRatePerSource.IsNone)
            {
                text.AppendLine("        # " + ExportNames.Setting(BalancerSettings.ConnectionRatePerSource, o) + ": nginx's stream module has no connection rate limit.");
            }
            if (o.SendProxyProtocol == Engine.Net.ProxyProtocolVersion.V1)
            {
                text.AppendLine("        proxy_protocol on;");
            }
            else if (o.SendProxyProtocol == Engine.Net.ProxyProtocolVersion.V2)
            {
                text.AppendLine("        # SendProxyProtocol v2: nginx sends only the v1 header (proxy_protocol on).");
            }
            if (o.Backends.Any(b => b.SendProxyProtocol.HasValue && b.SendProxyProtocol != o.SendProxyProtocol))
            {
                text.AppendLine("        # A backend's own send_proxy: nginx sets proxy_protocol for the whole upstream, not per server.");
            }
            if (o.Toxics.Count > 0)
            {
                text.AppendLine("        # Toxics (" + string.Join(", ", o.Toxics.Select(t => t.Name)) + "): no equivalent (toxics are TcpLbModule's).");
            }
        }

        /// <summary>Writes the upstream's method; false when nginx does not allow backup servers with it.</summary>
        private static bool WriteAlgorithm(StringBuilder text, BalancingAlgorithm algorithm)
        {
            switch (algorithm)
            {
                case BalancingAlgorithm.RoundRobin:
                    text.AppendLine("        # Round robin (nginx's default method).");
                    return true;
                case BalancingAlgorithm.WeightedRoundRobin:
                    text.AppendLine("        # Smooth weighted round robin (nginx's default method, with the servers' weights).");
                    return true;
                case BalancingAlgorithm.LeastConnections:
                    text.AppendLine("        least_conn;");
                    return true;
                case BalancingAlgorithm.PowerOfTwoChoices:
                    text.AppendLine("        random two least_conn;");
                    return false;
                case BalancingAlgorithm.SourceHash:
                    text.AppendLine("        hash $remote_addr consistent;");
                    return false;
                case BalancingAlgorithm.Random:
                    text.AppendLine("        random;");
                    return false;
                case BalancingAlgorithm.First:
                    text.AppendLine("        # First (fill one server, then the next) has no nginx equivalent: round robin (the default) instead.");
                    return true;
                default:
                    throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown algorithm.");
            }
        }
    }
}
