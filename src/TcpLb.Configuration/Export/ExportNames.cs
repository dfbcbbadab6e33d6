using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using TcpLb.Configuration.Settings;
using TcpLb.Engine.Balancing;

namespace TcpLb.Configuration.Export
{
    /// <summary>What the HAProxy and nginx writers share: section names, addresses and durations as both read them.</summary>
    internal static class ExportNames
    {
        /// <summary>One name per balancer that both configurations accept (letters, digits, '_', '-', '.'), unique within the file.</summary>
        public static List<string> SectionNames(IReadOnlyList<BalancerDefinition> balancers)
        {
            var names = new List<string>(balancers.Count);
            var taken = new HashSet<string>();
            foreach (BalancerDefinition balancer in balancers)
            {
                string raw = string.IsNullOrEmpty(balancer.Name) ? "balancer_" + balancer.Options.Port.ToString(CultureInfo.InvariantCulture) : balancer.Name!;
                var name = new StringBuilder(raw.Length);
                foreach (char c in raw)
                {
                    name.Append(char.IsLetterOrDigit(c) && c < 128 || c == '_' || c == '-' || c == '.' ? c : '_');
                }
                string candidate = name.ToString();
                for (int i = 2; !taken.Add(candidate); i++)
                {
                    candidate = name + "_" + i.ToString(CultureInfo.InvariantCulture);
                }
                names.Add(candidate);
            }
            return names;
        }

        /// <summary>address:port, with brackets for IPv6 ([::1]:8080).</summary>
        public static string Listen(BalancerDefinition balancer)
        {
            int port = balancer.Options.Port;
            if (port == 0)
            {
                throw new System.ArgumentException($"Balancer '{balancer.Name}' has port 0 (a free port picked at start), which HAProxy and nginx cannot listen on. Give it a port, or export the running balancer, whose port is known.");
            }
            IPAddress address = balancer.Options.ListenAddress;
            string host = address.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + address + "]" : address.ToString();
            return host + ":" + port.ToString(CultureInfo.InvariantCulture);
        }

        /// <summary>The backend's address as both configurations read it (host:port, [v6]:port).</summary>
        public static string Server(BackendDefinition backend) => backend.Address.ToString();

        /// <summary>A duration in milliseconds ("2000ms"); infinite as 24 days, about the longest HAProxy's timers take.</summary>
        public static string Duration(System.TimeSpan time)
            => time == Timeout.InfiniteTimeSpan ? "24d" : ((long)time.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";

        public static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

        /// <summary>A setting as an export's comments name it, for what the other product cannot say: "QueueLength 256", "ResponseTimeout 3000ms".</summary>
        public static string Setting(BalancerSetting setting, TcpBalancerOptions options)
            => setting.Name + " " + (setting.IsDuration ? Duration(setting.Time(options)) : setting.Get(options).ToString(CultureInfo.InvariantCulture));

        /// <summary>A value setting as an export's comments name it: "RetryOn ConnectFailure, Reset", "ConnectionRatePerSource 100/s".</summary>
        public static string Setting(BalancerValueSetting setting, TcpBalancerOptions options) => setting.Name + " " + setting.Show(options);

        /// <summary>The limit a backend has in force: its own, else the balancer's.</summary>
        public static int MaxConnections(BackendDefinition backend, TcpBalancerOptions options) => backend.MaxConnections ?? options.BackendMaxConnections;

        /// <summary>Whether the algorithm uses weights (ours ignore them under RoundRobin and First).</summary>
        public static bool UsesWeights(BalancingAlgorithm algorithm)
            => algorithm != BalancingAlgorithm.RoundRobin && algorithm != BalancingAlgorithm.First;
    }
}
