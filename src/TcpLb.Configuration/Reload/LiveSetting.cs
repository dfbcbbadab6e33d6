using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using TcpLb.Configuration.Settings;
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

        /// <summary>
        /// Everything that can change while the balancer runs through the options, but the
        /// algorithm, the pool and the access rules (applied on their own): the live settings of
        /// <see cref="BalancerSettings"/>, with RetryOn after ResponseTimeout and the health
        /// check's texts last.
        /// </summary>
        public static readonly IReadOnlyList<LiveSetting> All = Build();

        private static List<LiveSetting> Build()
        {
            var all = BalancerSettings.All.Where(s => s.Live).Select(s => new LiveSetting(s.Name, s.Show, s.Copy)).ToList();
            all.Insert(all.FindIndex(s => s.Name == BalancerSettings.ResponseTimeout.Name) + 1, Of(BalancerSettings.RetryOn));
            all.Add(Of(BalancerSettings.HealthCheckSend));
            all.Add(Of(BalancerSettings.HealthCheckExpect));
            return all;
        }

        private static LiveSetting Of(BalancerValueSetting setting) => new LiveSetting(setting.Name, setting.Show, setting.Copy);

        public static string Ms(TimeSpan time)
            => time == Timeout.InfiniteTimeSpan ? "infinite" : ((long)time.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + " ms";

        public static string Limit(int limit) => limit == 0 ? "0 (no limit)" : Number(limit);

        private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
