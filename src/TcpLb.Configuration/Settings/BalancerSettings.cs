using System;
using System.Collections.Generic;
using System.Linq;
using TcpLb.Engine.Balancing;

namespace TcpLb.Configuration.Settings
{
    /// <summary>
    /// The balancer's whole-number settings, each described once (<see cref="BalancerSetting"/>):
    /// the configuration schema, the reload planner, Start- and Update-TcpBalancer and the docs
    /// check all read these. A new setting of this kind is one entry here (and one property on
    /// each cmdlet, which names it).
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
            "Further backends to try when a connect fails or a connection is redispatched.",
            o => o.Retries, (o, v) => o.Retries = v);

        public static readonly BalancerSetting ConnectFailureLimit = BalancerSetting.Count("ConnectFailureLimit", "connect_failure_limit", Forward, 0, 1000, "never", true,
            "Failed connects in a row that take a backend Down (while health checks run).",
            o => o.ConnectFailuresBeforeDown, (o, v) => o.ConnectFailuresBeforeDown = v);

        public static readonly BalancerSetting ResponseTimeout = BalancerSetting.Duration("ResponseTimeout", "response_timeout", Forward, 0, "off", true,
            "How long the client's bytes may wait for the backend's first byte.",
            o => o.ResponseTimeout, (o, v) => o.ResponseTimeout = v);

        public static readonly BalancerSetting IdleTimeout = BalancerSetting.Duration("IdleTimeout", "idle_timeout", Server, 0, "never", true,
            "How long a connection may carry no bytes either way before it is closed.",
            o => o.IdleTimeout, (o, v) => o.IdleTimeout = v);

        public static readonly BalancerSetting FinTimeout = BalancerSetting.Duration("FinTimeout", "fin_timeout", Server, 0, "never", true,
            "After a FIN, how long the other direction may go without a byte before both sides are closed.",
            o => o.FinTimeout, (o, v) => o.FinTimeout = v);

        public static readonly BalancerSetting MaxConnections = BalancerSetting.Count("MaxConnections", "max_connections", Server, 0, Unbounded, "no limit", true,
            "Client connections open at once.",
            o => o.MaxConnections, (o, v) => o.MaxConnections = v);

        public static readonly BalancerSetting BackendMaxConnections = BalancerSetting.Count("BackendMaxConnections", "backend_max_connections", Forward, 0, Unbounded, "no limit", true,
            "Connections open at once to each backend.",
            o => o.BackendMaxConnections, (o, v) => o.BackendMaxConnections = v);

        public static readonly BalancerSetting QueueLength = BalancerSetting.Count("QueueLength", "queue_length", Server, 0, 1_000_000, null, true,
            "Connections that may wait for a slot once a limit is reached.",
            o => o.QueueLength, (o, v) => o.QueueLength = v);

        public static readonly BalancerSetting QueueTimeout = BalancerSetting.Duration("QueueTimeout", "queue_timeout", Server, 0, null, true,
            "How long a connection may wait for a slot before it is refused.",
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
            "Successful checks in a row that bring a Down backend back Up.",
            o => o.HealthCheck.Rise, (o, v) => o.HealthCheck.Rise = v);

        public static readonly BalancerSetting Fall = BalancerSetting.Count("Fall", "fall", Check, 1, 1000, null, true,
            "Failed checks in a row that take an Up backend Down.",
            o => o.HealthCheck.Fall, (o, v) => o.HealthCheck.Fall = v);

        public static readonly BalancerSetting MaxConnectionsPerSource = BalancerSetting.Count("MaxConnectionsPerSource", "max_connections_per_source", Server, 0, Unbounded, "no limit", false,
            "Connections open at once from one client address.",
            o => o.MaxConnectionsPerSource, (o, v) => o.MaxConnectionsPerSource = v);

        public static readonly BalancerSetting ProxyHeaderTimeout = BalancerSetting.Duration("ProxyHeaderTimeout", "proxy_header_timeout", Server, 1, null, false,
            "How long a client may take to send its whole PROXY header.",
            o => o.ProxyHeaderTimeout, (o, v) => o.ProxyHeaderTimeout = v);

        /// <summary>Every setting, in the order a reload lists its changes.</summary>
        public static readonly IReadOnlyList<BalancerSetting> All = new[]
        {
            ConnectTimeout, Retries, ConnectFailureLimit, ResponseTimeout, IdleTimeout, FinTimeout, MaxConnections, BackendMaxConnections,
            QueueLength, QueueTimeout, SlowStart, HealthCheckInterval, HealthCheckTimeout, Rise, Fall, MaxConnectionsPerSource, ProxyHeaderTimeout,
        };

        /// <summary>The setting of this name (a cmdlet's parameter name, case-insensitive); null when there is none.</summary>
        public static BalancerSetting? Find(string name) => All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
    }
}
