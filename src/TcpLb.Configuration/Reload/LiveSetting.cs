using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using TcpLb.Engine.Balancing;

namespace TcpLb.Configuration.Reload
{
    /// <summary>
    /// A balancer setting a reload compares and carries over, named as Start-TcpBalancer's
    /// parameter, shown as its value reads there (milliseconds for times).
    /// </summary>
    internal sealed class LiveSetting
    {
        private readonly Func<TcpBalancerOptions, string> _show;
        private readonly Action<TcpBalancerOptions, TcpBalancerOptions> _copy;

        private LiveSetting(string name, Func<TcpBalancerOptions, string> show, Action<TcpBalancerOptions, TcpBalancerOptions> copy)
        {
            Name = name;
            _show = show;
            _copy = copy;
        }

        public string Name { get; }

        public string Show(TcpBalancerOptions options) => _show(options);

        /// <summary>Sets this setting of <paramref name="to"/> to its value in <paramref name="from"/>.</summary>
        public void Copy(TcpBalancerOptions from, TcpBalancerOptions to) => _copy(from, to);

        /// <summary>Everything that can change while the balancer runs, but the algorithm and the pool.</summary>
        public static readonly IReadOnlyList<LiveSetting> All = new[]
        {
            new LiveSetting("ConnectTimeout", o => Ms(o.ConnectTimeout), (f, t) => t.ConnectTimeout = f.ConnectTimeout),
            new LiveSetting("Retries", o => Number(o.Retries), (f, t) => t.Retries = f.Retries),
            new LiveSetting("ConnectFailureLimit", o => Number(o.ConnectFailuresBeforeDown), (f, t) => t.ConnectFailuresBeforeDown = f.ConnectFailuresBeforeDown),
            new LiveSetting("ResponseTimeout", o => Ms(o.ResponseTimeout), (f, t) => t.ResponseTimeout = f.ResponseTimeout),
            new LiveSetting("RetryOn", o => o.RetryOn.ToString(), (f, t) => t.RetryOn = f.RetryOn),
            new LiveSetting("IdleTimeout", o => Ms(o.IdleTimeout), (f, t) => t.IdleTimeout = f.IdleTimeout),
            new LiveSetting("FinTimeout", o => Ms(o.FinTimeout), (f, t) => t.FinTimeout = f.FinTimeout),
            new LiveSetting("MaxConnections", o => Limit(o.MaxConnections), (f, t) => t.MaxConnections = f.MaxConnections),
            new LiveSetting("BackendMaxConnections", o => Limit(o.BackendMaxConnections), (f, t) => t.BackendMaxConnections = f.BackendMaxConnections),
            new LiveSetting("QueueLength", o => Number(o.QueueLength), (f, t) => t.QueueLength = f.QueueLength),
            new LiveSetting("QueueTimeout", o => Ms(o.QueueTimeout), (f, t) => t.QueueTimeout = f.QueueTimeout),
            new LiveSetting("SlowStart", o => Ms(o.SlowStart), (f, t) => t.SlowStart = f.SlowStart),
            new LiveSetting("HealthCheckInterval", o => o.HealthCheck.Enabled ? Ms(o.HealthCheck.Interval) : "0 (off)", (f, t) => t.HealthCheck.Interval = f.HealthCheck.Interval),
            new LiveSetting("HealthCheckTimeout", o => Ms(o.HealthCheck.Timeout), (f, t) => t.HealthCheck.Timeout = f.HealthCheck.Timeout),
            new LiveSetting("Rise", o => Number(o.HealthCheck.Rise), (f, t) => t.HealthCheck.Rise = f.HealthCheck.Rise),
            new LiveSetting("Fall", o => Number(o.HealthCheck.Fall), (f, t) => t.HealthCheck.Fall = f.HealthCheck.Fall),
            new LiveSetting("HealthCheckSend", o => Text(o.HealthCheck.Send), (f, t) => t.HealthCheck.Send = f.HealthCheck.Send),
            new LiveSetting("HealthCheckExpect", o => Text(o.HealthCheck.ExpectPrefix), (f, t) => t.HealthCheck.ExpectPrefix = f.HealthCheck.ExpectPrefix),
        };

        public static string Ms(TimeSpan time)
            => time == Timeout.InfiniteTimeSpan ? "infinite" : ((long)time.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + " ms";

        public static string Limit(int limit) => limit == 0 ? "0 (no limit)" : Number(limit);

        private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

        private static string Text(string? value) => string.IsNullOrEmpty(value) ? "(none)" : "'" + value + "'";
    }
}
