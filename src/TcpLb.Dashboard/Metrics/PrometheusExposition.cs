using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using TcpLb.Engine.Balancing;

namespace TcpLb.Dashboard.Metrics
{
    /// <summary>
    /// /metrics in Prometheus' text exposition format (0.0.4), read from the engine's counters at
    /// scrape time: nothing is added to the data path. Names follow Prometheus' conventions
    /// (tcplb_ prefix, _total counters, bytes), with balancer and backend labels and a state set.
    /// </summary>
    /// <remarks>
    /// Written by hand rather than with prometheus-net: the values are already fixed-size counters
    /// that the engine keeps, so a scrape only reads them; prometheus-net would keep a registry of
    /// its own in step with balancers and backends that come and go (and remove their series), and
    /// would add an assembly to the module. The format is a few lines of text.
    /// </remarks>
    public static class PrometheusExposition
    {
        public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

        private static readonly BackendState[] States = (BackendState[])Enum.GetValues(typeof(BackendState));
        private static readonly BalancerOutage[] Outages = (BalancerOutage[])Enum.GetValues(typeof(BalancerOutage));

        private static readonly Family<TcpBalancer>[] BalancerFamilies =
        {
            Counter<TcpBalancer>("tcplb_balancer_connections_accepted_total", "Client connections accepted.", b => b.Statistics.Accepted),
            Counter<TcpBalancer>("tcplb_balancer_connections_served_total", "Client connections relayed to a backend to their end.", b => b.Statistics.Served),
            Counter<TcpBalancer>("tcplb_balancer_connections_failed_total", "Client connections not served: no backend, every attempt failed, or a bad PROXY header.", b => b.Statistics.Failed),
            Counter<TcpBalancer>("tcplb_balancer_connections_rejected_total", "Client connections refused by a connection limit or queue.", b => b.Statistics.Rejected),
            Counter<TcpBalancer>("tcplb_balancer_connections_denied_total", "Client connections reset at accept by an access rule.", b => b.Statistics.Denied),
            Counter<TcpBalancer>("tcplb_balancer_connect_retries_total", "Backend connects that failed and were tried again on another backend.", b => b.Statistics.Retried),
            Counter<TcpBalancer>("tcplb_balancer_redispatches_total", "Connections moved to another backend, their bytes replayed.", b => b.Statistics.Redispatched),
            Counter<TcpBalancer>("tcplb_balancer_toxic_connections_total", "Client connections that one or more toxics applied to.", b => b.Statistics.ToxicConnections),
            Counter<TcpBalancer>("tcplb_balancer_received_bytes_total", "Bytes received from clients.", b => b.Statistics.BytesFromClients.Bytes),
            Counter<TcpBalancer>("tcplb_balancer_sent_bytes_total", "Bytes sent to clients (received from backends).", b => b.Statistics.BytesFromBackends.Bytes),
            Gauge<TcpBalancer>("tcplb_balancer_active_connections", "Client connections open now.", b => b.ActiveConnections),
            Gauge<TcpBalancer>("tcplb_balancer_queued_connections", "Connections waiting for a slot now.", b => b.Queued),
        };

        private static readonly Family<Backend>[] BackendFamilies =
        {
            Counter<Backend>("tcplb_backend_connections_total", "Connections made to the backend.", b => b.TotalConnections),
            Counter<Backend>("tcplb_backend_failures_total", "Failed connects and failures before the first byte.", b => b.Failures),
            Counter<Backend>("tcplb_backend_redispatches_total", "Connections moved away from the backend.", b => b.Redispatched),
            Counter<Backend>("tcplb_backend_sent_bytes_total", "Bytes sent to the backend.", b => b.BytesToBackend.Bytes),
            Counter<Backend>("tcplb_backend_received_bytes_total", "Bytes received from the backend.", b => b.BytesFromBackend.Bytes),
            Gauge<Backend>("tcplb_backend_active_connections", "Connections open to the backend now.", b => b.ActiveConnections),
            Gauge<Backend>("tcplb_backend_weight", "The backend's weight.", b => b.Weight),
            Gauge<Backend>("tcplb_backend_up", "1 when the backend takes new connections (state Up), else 0.", b => b.State == BackendState.Up ? 1 : 0),
        };

        /// <summary>The exposition of every balancer in <paramref name="balancers"/>.</summary>
        public static string Write(IReadOnlyList<NamedBalancer> balancers)
        {
            var text = new StringBuilder(4096);
            Header(text, "tcplb_balancer_info", "gauge", "The balancer's listener and algorithm; always 1.");
            foreach (NamedBalancer named in balancers)
            {
                TcpBalancer balancer = named.Balancer;
                Series(text, "tcplb_balancer_info", named.Name, null, ",listen=\"" + Escape(Engine.Net.Endpoints.Format(balancer.LocalEndPoint)) + "\",algorithm=\"" + balancer.Algorithm + "\"", 1);
            }
            Header(text, "tcplb_balancer_outage", "gauge", "1 for the balancer's outage mode (None: balancing as usual), 0 for the others.");
            foreach (NamedBalancer named in balancers)
            {
                BalancerOutage outage = named.Balancer.Outage;
                foreach (BalancerOutage mode in Outages)
                {
                    Series(text, "tcplb_balancer_outage", named.Name, null, ",outage=\"" + mode + "\"", mode == outage ? 1 : 0);
                }
            }
            foreach (Family<TcpBalancer> family in BalancerFamilies)
            {
                Header(text, family.Name, family.Type, family.Help);
                foreach (NamedBalancer named in balancers)
                {
                    Series(text, family.Name, named.Name, null, "", family.Read(named.Balancer));
                }
            }
            var pools = new List<KeyValuePair<string, IReadOnlyList<Backend>>>(balancers.Count);
            foreach (NamedBalancer named in balancers)
            {
                pools.Add(new KeyValuePair<string, IReadOnlyList<Backend>>(named.Name, named.Balancer.Backends));
            }
            Header(text, "tcplb_backend_state", "gauge", "1 for the backend's state (Up, Down, Draining, Disabled), 0 for the others.");
            foreach (var pool in pools)
            {
                foreach (Backend backend in pool.Value)
                {
                    BackendState state = backend.State;
                    foreach (BackendState each in States)
                    {
                        Series(text, "tcplb_backend_state", pool.Key, backend.Address.ToString(), ",state=\"" + each + "\"", each == state ? 1 : 0);
                    }
                }
            }
            foreach (Family<Backend> family in BackendFamilies)
            {
                Header(text, family.Name, family.Type, family.Help);
                foreach (var pool in pools)
                {
                    foreach (Backend backend in pool.Value)
                    {
                        Series(text, family.Name, pool.Key, backend.Address.ToString(), "", family.Read(backend));
                    }
                }
            }
            Header(text, "tcplb_toxic_connections_total", "counter", "Connections a toxic was applied to since it was added.");
            foreach (NamedBalancer named in balancers)
            {
                foreach (BalancerToxic toxic in named.Balancer.Toxics)
                {
                    Series(text, "tcplb_toxic_connections_total", named.Name, null, ",toxic=\"" + Escape(toxic.Name) + "\",type=\"" + toxic.Definition.Type + "\"", toxic.Connections);
                }
            }
            return text.ToString();
        }

        private static void Header(StringBuilder text, string name, string type, string help)
            => text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

        private static void Series(StringBuilder text, string name, string balancer, string? backend, string moreLabels, long value)
        {
            text.Append(name).Append("{balancer=\"").Append(Escape(balancer)).Append('"');
            if (backend != null)
            {
                text.Append(",backend=\"").Append(Escape(backend)).Append('"');
            }
            text.Append(moreLabels).Append("} ").Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        /// <summary>A label value as the format wants it: backslash, double quote and line feed escaped.</summary>
        internal static string Escape(string value)
        {
            if (value.IndexOfAny(new[] { '\\', '"', '\n' }) < 0)
            {
                return value;
            }
            return value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
        }

        private static Family<T> Counter<T>(string name, string help, Func<T, long> read) => new Family<T>(name, "counter", help, read);

        private static Family<T> Gauge<T>(string name, string help, Func<T, long> read) => new Family<T>(name, "gauge", help, read);

        private sealed class Family<T>
        {
            public Family(string name, string type, string help, Func<T, long> read)
            {
                Name = name;
                Type = type;
                Help = help;
                Read = read;
            }

            public string Name { get; }

            public string Type { get; }

            public string Help { get; }

            public Func<T, long> Read { get; }
        }
    }
}
