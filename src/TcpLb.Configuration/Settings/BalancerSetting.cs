using System;
using System.Globalization;
using System.Threading;
using TcpLb.Engine.Balancing;

namespace TcpLb.Configuration.Settings
{
    /// <summary>Where a setting's key sits in a configuration file.</summary>
    public enum SettingTableKind
    {
        /// <summary>The server table itself (client-side settings).</summary>
        Server,

        /// <summary>The server's forward table (backend-side settings).</summary>
        Forward,

        /// <summary>The forward table's health_check table.</summary>
        HealthCheck,
    }

    /// <summary>
    /// One whole-number balancer setting, described once: its name (the cmdlets' parameter and the
    /// reload planner's), its file key and table, its unit, its range, what 0 means, whether a
    /// running balancer can change it, and a line of help. Its value is what the command line and
    /// files take: a count, or milliseconds (0 for "never" where <see cref="ZeroMeans"/> says so).
    /// The default is not stored here: it is read from a new <see cref="TcpBalancerOptions"/>, so
    /// the engine keeps the one default a C# caller also gets.
    /// </summary>
    public sealed class BalancerSetting
    {
        private readonly Func<TcpBalancerOptions, TimeSpan>? _getTime;
        private readonly Action<TcpBalancerOptions, TimeSpan>? _setTime;
        private readonly Func<TcpBalancerOptions, int>? _getCount;
        private readonly Action<TcpBalancerOptions, int>? _setCount;

        private BalancerSetting(string name, string fileKey, SettingTableKind table, int min, int max, string? zeroMeans, bool live, string help)
        {
            Name = name;
            FileKey = fileKey;
            Table = table;
            Min = min;
            Max = max;
            ZeroMeans = zeroMeans;
            Live = live;
            Help = help;
        }

        private BalancerSetting(string name, string fileKey, SettingTableKind table, int min, int max, string? zeroMeans, bool live, string help,
            Func<TcpBalancerOptions, int> get, Action<TcpBalancerOptions, int> set)
            : this(name, fileKey, table, min, max, zeroMeans, live, help)
        {
            _getCount = get;
            _setCount = set;
        }

        private BalancerSetting(string name, string fileKey, SettingTableKind table, int min, string? zeroMeans, bool live, string help,
            Func<TcpBalancerOptions, TimeSpan> get, Action<TcpBalancerOptions, TimeSpan> set)
            : this(name, fileKey, table, min, int.MaxValue, zeroMeans, live, help)
        {
            _getTime = get;
            _setTime = set;
        }

        /// <summary>A count (connections, attempts, checks).</summary>
        internal static BalancerSetting Count(string name, string fileKey, SettingTableKind table, int min, int max, string? zeroMeans, bool live, string help,
            Func<TcpBalancerOptions, int> get, Action<TcpBalancerOptions, int> set)
            => new BalancerSetting(name, fileKey, table, min, max, zeroMeans, live, help, get, set);

        /// <summary>A duration in milliseconds, up to <see cref="int.MaxValue"/>; with <paramref name="zeroMeans"/> "never", 0 is an infinite time.</summary>
        internal static BalancerSetting Duration(string name, string fileKey, SettingTableKind table, int min, string? zeroMeans, bool live, string help,
            Func<TcpBalancerOptions, TimeSpan> get, Action<TcpBalancerOptions, TimeSpan> set)
            => new BalancerSetting(name, fileKey, table, min, zeroMeans, live, help, get, set);

        /// <summary>The cmdlets' parameter name, as the reload planner and the docs name it (ConnectTimeout).</summary>
        public string Name { get; }

        /// <summary>The key in a configuration file (connect_timeout).</summary>
        public string FileKey { get; }

        public SettingTableKind Table { get; }

        /// <summary>Whether the value is milliseconds (else a count).</summary>
        public bool IsDuration => _getTime != null;

        public int Min { get; }

        public int Max { get; }

        /// <summary>What 0 means, when it means something of its own ("no limit", "never", "off"); null otherwise.</summary>
        public string? ZeroMeans { get; }

        /// <summary>Whether a running balancer takes a new value (Update-TcpBalancer); else a restart is needed.</summary>
        public bool Live { get; }

        /// <summary>One line on what it does.</summary>
        public string Help { get; }

        private bool ZeroIsNever => IsDuration && ZeroMeans == "never";

        /// <summary>The engine's default, in the setting's unit.</summary>
        public long Default => Get(new TcpBalancerOptions());

        /// <summary>The accepted range in words: "from 1 to 2147483647 (milliseconds)".</summary>
        public string Accepted => $"from {Min.ToString(CultureInfo.InvariantCulture)} to {Max.ToString(CultureInfo.InvariantCulture)}{(IsDuration ? " milliseconds" : "")}{(ZeroMeans == null || Min > 0 ? "" : $" (0: {ZeroMeans})")}";

        public bool Accepts(long value) => value >= Min && value <= Max;

        /// <summary>The value in the setting's unit: a count, or whole milliseconds (0 for an infinite time when 0 means never).</summary>
        public long Get(TcpBalancerOptions options)
        {
            if (_getCount != null)
            {
                return _getCount(options);
            }
            TimeSpan time = _getTime!(options);
            return ZeroIsNever && time == Timeout.InfiniteTimeSpan ? 0 : (long)Math.Round(time.TotalMilliseconds);
        }

        /// <summary>A duration's value as the options hold it (an infinite time stays infinite).</summary>
        public TimeSpan Time(TcpBalancerOptions options) => _getTime != null ? _getTime(options) : throw new InvalidOperationException($"{Name} is a count, not a duration.");

        /// <summary>Sets the value given in the setting's unit; the caller has checked the range (<see cref="Accepts"/>).</summary>
        public void Set(TcpBalancerOptions options, int value)
        {
            if (_setCount != null)
            {
                _setCount(options, value);
                return;
            }
            _setTime!(options, ZeroIsNever && value == 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(value));
        }

        /// <summary>Copies this setting from one options object to another.</summary>
        public void Copy(TcpBalancerOptions from, TcpBalancerOptions to)
        {
            if (_getCount != null)
            {
                _setCount!(to, _getCount(from));
                return;
            }
            _setTime!(to, _getTime!(from));
        }

        /// <summary>The value as a reload's change shows it: "2000 ms", "infinite", "0 (no limit)", "3".</summary>
        public string Show(TcpBalancerOptions options)
        {
            long value = Get(options);
            if (value == 0 && ZeroIsNever)
            {
                return "infinite";
            }
            if (value == 0 && ZeroMeans != null)
            {
                return "0 (" + ZeroMeans + ")";
            }
            return value.ToString(CultureInfo.InvariantCulture) + (IsDuration ? " ms" : "");
        }

        public override string ToString() => Name;
    }
}
