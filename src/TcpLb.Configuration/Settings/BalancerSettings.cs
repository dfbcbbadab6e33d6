using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using TcpLb.Engine.Access;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Net;

namespace TcpLb.Configuration.Settings
{
    /// <summary>
    /// The balancer's settings, each described once: the whole numbers (<see cref="BalancerSetting"/>,
    /// <see cref="All"/>) and the others (<see cref="BalancerValueSetting"/>, <see cref="Values"/>).
    /// The configuration schema (keys), the reload planner (what changes live, how a change
    /// shows), Start- and Update-TcpBalancer (their parameters' mapping and ranges) and the docs
    /// check all read these. A new setting is one entry here (and one property on each cmdlet,
    /// which names it).
    /// </summary>
    public static class BalancerSettings
    {
        private const int Unbounded = int.MaxValue;
        private const SettingTableKind Server = SettingTableKind.Server;
        private const SettingTableKind Forward = SettingTableKind.Forward;
        private const SettingTableKind Check = SettingTableKind.HealthCheck;

        public static readonly BalancerSetting ConnectTimeout = BalancerSetting.Duration("ConnectTimeout", "connect_timeout", Forward, 1, null, true,
            "How long to wait for a backend to accept a connection.",
            o => o.ConnectTimeout, (o, v) => o.ConnectTimeout = v);

        public static readonly BalancerSetting Retries = BalancerSetting.Count("Retries", "retries", Forward, 0, 100, null, true,
            "Further backends to try when a connect fails or a backend fails before answering.",
            o => o.Retries, (o, v) => o.Retries = v);

        public static readonly BalancerSetting ConnectFailureLimit = BalancerSetting.Count("ConnectFailureLimit", "connect_failure_limit", Forward, 0, 1000, "never", true,
            "Failed connects in a row that take a backend Down (while health checks are on).",
            o => o.ConnectFailuresBeforeDown, (o, v) => o.ConnectFailuresBeforeDown = v);

        public static readonly BalancerSetting ResponseTimeout = BalancerSetting.Duration("ResponseTimeout", "response_timeout", Forward, 0, "off", true,
            "How long a client's bytes may wait for a backend's first byte.",
            o => o.ResponseTimeout, (o, v) => o.ResponseTimeout = v);

        public static readonly BalancerSetting IdleTimeout = BalancerSetting.Duration("IdleTimeout", "idle_timeout", Server, 0, "never", true,
            "How long a connection may carry no bytes either way before it is closed.",
            o => o.IdleTimeout, (o, v) => o.IdleTimeout = v);

        public static readonly BalancerSetting FinTimeout = BalancerSetting.Duration("FinTimeout", "fin_timeout", Server, 0, "never", true,
            "How long a half-closed connection may go without a byte.",
            o => o.FinTimeout, (o, v) => o.FinTimeout = v);

        public static readonly BalancerSetting MaxConnections = BalancerSetting.Count("MaxConnections", "max_connections", Server, 0, Unbounded, "no limit", true,
            "Client connections open at once.",
            o => o.MaxConnections, (o, v) => o.MaxConnections = v);

        public static readonly BalancerSetting BackendMaxConnections = BalancerSetting.Count("BackendMaxConnections", "backend_max_connections", Forward, 0, Unbounded, "no limit", true,
            "Connections open at once to each backend.",
            o => o.BackendMaxConnections, (o, v) => o.BackendMaxConnections = v);

        public static readonly BalancerSetting QueueLength = BalancerSetting.Count("QueueLength", "queue_length", Server, 0, 1_000_000, null, true,
            "Connections that may wait for a slot when a limit is reached.",
            o => o.QueueLength, (o, v) => o.QueueLength = v);

        public static readonly BalancerSetting QueueTimeout = BalancerSetting.Duration("QueueTimeout", "queue_timeout", Server, 0, null, true,
            "How long a connection waits for a slot before it is refused.",
            o => o.QueueTimeout, (o, v) => o.QueueTimeout = v);

        public static readonly BalancerSetting SlowStart = BalancerSetting.Duration("SlowStart", "slow_start", Forward, 0, "off", true,
            "How long a backend that comes back Up takes to ramp to its full weight.",
            o => o.SlowStart, (o, v) => o.SlowStart = v);

        public static readonly BalancerSetting HealthCheckInterval = BalancerSetting.Duration("HealthCheckInterval", "interval", Check, 0, "off", true,
            "How often each backend is checked.",
            o => o.HealthCheck.Interval, (o, v) => o.HealthCheck.Interval = v);

        public static readonly BalancerSetting HealthCheckTimeout = BalancerSetting.Duration("HealthCheckTimeout", "timeout", Check, 1, null, true,
            "How long one health check may take.",
            o => o.HealthCheck.Timeout, (o, v) => o.HealthCheck.Timeout = v);

        public static readonly BalancerSetting Rise = BalancerSetting.Count("Rise", "rise", Check, 1, 1000, null, true,
            "Successful health checks in a row that bring a Down backend back Up.",
            o => o.HealthCheck.Rise, (o, v) => o.HealthCheck.Rise = v);

        public static readonly BalancerSetting Fall = BalancerSetting.Count("Fall", "fall", Check, 1, 1000, null, true,
            "Failed health checks in a row that take a backend Down.",
            o => o.HealthCheck.Fall, (o, v) => o.HealthCheck.Fall = v);

        public static readonly BalancerSetting MaxConnectionsPerSource = BalancerSetting.Count("MaxConnectionsPerSource", "max_connections_per_source", Server, 0, Unbounded, "no limit", false,
            "Connections open at once from one client address.",
            o => o.MaxConnectionsPerSource, (o, v) => o.MaxConnectionsPerSource = v);

        public static readonly BalancerSetting ProxyHeaderTimeout = BalancerSetting.Duration("ProxyHeaderTimeout", "proxy_header_timeout", Server, 1, null, false,
            "How long a client may take to send its whole PROXY header.",
            o => o.ProxyHeaderTimeout, (o, v) => o.ProxyHeaderTimeout = v);

        /// <summary>A value setting of a free form: no names to list.</summary>
        private static readonly string[] NoNames = new string[0];

        public static readonly BalancerValueSetting ListenAddress = new BalancerValueSetting("ListenAddress", "listen", Server, false, ListenForms, NoNames,
            "The local address the balancer listens on (in a file, with its port).",
            o => o.ListenAddress.ToString(), (from, to) => to.ListenAddress = from.ListenAddress, (o, v) => o.ListenAddress = (IPAddress)v!);

        public static readonly BalancerValueSetting AllowFrom = new BalancerValueSetting("AllowFrom", "allow_from", Server, true, "a list of " + AddressRange.AcceptedForms, NoNames,
            "Addresses or ranges that may connect; none: every source may.",
            o => Texts(AccessRules.Create(o.AllowFrom, o.DenyFrom).AllowTexts()), (from, to) => Replace(to.AllowFrom, from.AllowFrom), (o, v) => Replace(o.AllowFrom, (IEnumerable<string>)v!));

        public static readonly BalancerValueSetting DenyFrom = new BalancerValueSetting("DenyFrom", "deny_from", Server, true, "a list of " + AddressRange.AcceptedForms, NoNames,
            "Addresses or ranges refused; deny wins over allow.",
            o => Texts(AccessRules.Create(o.AllowFrom, o.DenyFrom).DenyTexts()), (from, to) => Replace(to.DenyFrom, from.DenyFrom), (o, v) => Replace(o.DenyFrom, (IEnumerable<string>)v!));

        public static readonly BalancerValueSetting ConnectionRatePerSource = new BalancerValueSetting("ConnectionRatePerSource", "connection_rate_per_source", Server, false, "\"none\" (no limit), or " + ConnectionRate.AcceptedForms, NoNames,
            "New connections one client address may open, per second or per minute.",
            o => o.ConnectionRatePerSource.ToString(), (from, to) => to.ConnectionRatePerSource = from.ConnectionRatePerSource, (o, v) => o.ConnectionRatePerSource = (ConnectionRate)v!);

        public static readonly BalancerValueSetting AcceptProxyProtocol = new BalancerValueSetting("AcceptProxyProtocol", "accept_proxy_protocol", Server, false, "true or false (a switch on the command line)", NoNames,
            "Every client first sends a PROXY protocol header (v1 or v2), whose source address counts.",
            o => o.AcceptProxyProtocol ? "on" : "off", (from, to) => to.AcceptProxyProtocol = from.AcceptProxyProtocol, (o, v) => o.AcceptProxyProtocol = (bool)v!);

        public static readonly BalancerValueSetting Algorithm = BalancerValueSetting.Choice<BalancingAlgorithm>("Algorithm", "algorithm", Forward, true, AlgorithmName.Accepted + " (case does not count)",
            "How new connections pick their backend.",
            o => o.Algorithm, (o, v) => o.Algorithm = v);

        public static readonly BalancerValueSetting RetryOn = BalancerValueSetting.Choice<RetryConditions>("RetryOn", "retry_on", Forward, true, RetryConditionNames.Accepted,
            "When a new connection is tried on another backend.",
            o => o.RetryOn, (o, v) => o.RetryOn = v);

        public static readonly BalancerValueSetting SendProxyProtocol = BalancerValueSetting.Choice<ProxyProtocolVersion>("SendProxyProtocol", "send_proxy_protocol", Forward, false, BalancerSchema.ProxyVersionForms,
            "The PROXY protocol header each backend connection starts with.",
            o => o.SendProxyProtocol, (o, v) => o.SendProxyProtocol = v);

        public static readonly BalancerValueSetting Transport = BalancerValueSetting.Choice<BalancerTransport>("Transport", "transport", Server, false, TransportForms,
            "How the balancer moves bytes: Auto (the engine's own event loops on Linux, .NET's sockets elsewhere and for TLS), Loop or Stream; TCPLB_TRANSPORT overrides it.",
            o => o.Transport, (o, v) => o.Transport = v);

        public static readonly BalancerValueSetting HealthCheckSend = new BalancerValueSetting("HealthCheckSend", "send", Check, true, "a text, not empty", NoNames,
            "Text a health check sends once connected.",
            o => Quoted(o.HealthCheck.Send), (from, to) => to.HealthCheck.Send = from.HealthCheck.Send, (o, v) => o.HealthCheck.Send = (string?)v);

        public static readonly BalancerValueSetting HealthCheckExpect = new BalancerValueSetting("HealthCheckExpect", "expect", Check, true, "a text, not empty", NoNames,
            "Text the reply to a health check must start with.",
            o => Quoted(o.HealthCheck.ExpectPrefix), (from, to) => to.HealthCheck.ExpectPrefix = from.HealthCheck.ExpectPrefix, (o, v) => o.HealthCheck.ExpectPrefix = (string?)v);

        /// <summary>The settings that are not whole numbers (the pool, its toxics and TLS material are not settings).</summary>
        public static readonly IReadOnlyList<BalancerValueSetting> Values = new[]
        {
            ListenAddress, AllowFrom, DenyFrom, ConnectionRatePerSource, AcceptProxyProtocol, Algorithm, RetryOn, SendProxyProtocol, Transport, HealthCheckSend, HealthCheckExpect,
        };

        /// <summary>The forms a transport takes.</summary>
        public const string TransportForms = "Auto, Loop or Stream (case does not count)";

        /// <summary>The forms a listen key takes.</summary>
        public const string ListenForms = "\"host:port\" (\"0.0.0.0:8200\", \"127.0.0.1:8080\"), \"[IPv6]:port\" (\"[::1]:8080\") or a port (8080, on 127.0.0.1), with a port from 0 (a free one) to 65535";

        /// <summary>A list as a reload's change shows it: "a, b", or "(none)".</summary>
        internal static string Texts(IEnumerable<string> items)
        {
            string joined = string.Join(", ", items);
            return joined.Length == 0 ? "(none)" : joined;
        }

        private static string Quoted(string? value) => string.IsNullOrEmpty(value) ? "(none)" : "'" + value + "'";

        private static void Replace(IList<string> list, IEnumerable<string> items)
        {
            var copy = items.ToList();
            list.Clear();
            copy.ForEach(list.Add);
        }

        /// <summary>Every setting, in the order a reload lists its changes.</summary>
        public static readonly IReadOnlyList<BalancerSetting> All = new[]
        {
            ConnectTimeout, Retries, ConnectFailureLimit, ResponseTimeout, IdleTimeout, FinTimeout, MaxConnections, BackendMaxConnections,
            QueueLength, QueueTimeout, SlowStart, HealthCheckInterval, HealthCheckTimeout, Rise, Fall, MaxConnectionsPerSource, ProxyHeaderTimeout,
        };

        /// <summary>The setting of this name (a cmdlet's parameter name, case-insensitive); null when there is none.</summary>
        public static BalancerSetting? Find(string name) => All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

        /// <summary>The value setting of this name (case-insensitive); null when there is none.</summary>
        public static BalancerValueSetting? FindValue(string name) => Values.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
    }
}
