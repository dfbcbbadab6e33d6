using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Net;

namespace TcpLb.Dashboard.Toxiproxy
{
    /// <summary>toxiproxy's JSON shapes: a proxy (a balancer), a toxic, an error.</summary>
    internal static class ToxiproxyJson
    {
        public static byte[] Error(string message, int status)
            => Write(json =>
            {
                json.WriteStartObject();
                json.WriteString("error", message);
                json.WriteNumber("status", status);
                json.WriteEndObject();
            });

        public static byte[] Proxy(NamedBalancer proxy) => Write(json => WriteProxy(json, proxy));

        /// <summary>GET /proxies: an object of proxies by name.</summary>
        public static byte[] ProxyMap(IReadOnlyList<NamedBalancer> proxies)
            => Write(json =>
            {
                json.WriteStartObject();
                foreach (NamedBalancer proxy in proxies)
                {
                    json.WritePropertyName(proxy.Name);
                    WriteProxy(json, proxy);
                }
                json.WriteEndObject();
            });

        /// <summary>POST /populate's answer: {"proxies": [...]}.</summary>
        public static byte[] Populated(IReadOnlyList<NamedBalancer> proxies)
            => Write(json =>
            {
                json.WriteStartObject();
                json.WriteStartArray("proxies");
                foreach (NamedBalancer proxy in proxies)
                {
                    WriteProxy(json, proxy);
                }
                json.WriteEndArray();
                json.WriteEndObject();
            });

        public static byte[] Toxic(BalancerToxic toxic) => Write(json => WriteToxic(json, toxic));

        public static byte[] Toxics(IReadOnlyList<BalancerToxic> toxics)
            => Write(json =>
            {
                json.WriteStartArray();
                foreach (BalancerToxic toxic in toxics)
                {
                    WriteToxic(json, toxic);
                }
                json.WriteEndArray();
            });

        /// <summary>The first backend is the proxy's upstream (a balancer made by the API has just one).</summary>
        public static string Upstream(TcpBalancer balancer)
        {
            IReadOnlyList<Backend> backends = balancer.Backends;
            return backends.Count == 0 ? "" : backends[0].Address.ToString();
        }

        private static void WriteProxy(Utf8JsonWriter json, NamedBalancer proxy)
        {
            TcpBalancer balancer = proxy.Balancer;
            json.WriteStartObject();
            json.WriteString("name", proxy.Name);
            json.WriteString("listen", Endpoints.Format(balancer.LocalEndPoint));
            json.WriteString("upstream", Upstream(balancer));
            json.WriteBoolean("enabled", balancer.Outage == BalancerOutage.None);
            json.WriteStartArray("toxics");
            foreach (BalancerToxic toxic in balancer.Toxics)
            {
                WriteToxic(json, toxic);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }

        private static void WriteToxic(Utf8JsonWriter json, BalancerToxic toxic)
        {
            json.WriteStartObject();
            json.WriteString("name", toxic.Name);
            json.WriteString("type", ToxiproxyToxic.TypeName(toxic.Definition.Type));
            json.WriteString("stream", ToxiproxyToxic.StreamName(toxic.Definition.Direction));
            json.WriteNumber("toxicity", toxic.Definition.Toxicity);
            ToxiproxyToxic.WriteAttributes(json, toxic.Definition);
            json.WriteEndObject();
        }

        private static byte[] Write(Action<Utf8JsonWriter> write)
        {
            var stream = new MemoryStream();
            using (var json = new Utf8JsonWriter(stream, JsonOptions.Writer))
            {
                write(json);
            }
            return stream.ToArray();
        }
    }
}
