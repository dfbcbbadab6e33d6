using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Net;

namespace TcpLb.Dashboard.Status
{
    /// <summary>
    /// /api/status: what the page shows, as JSON: every balancer with its listener, algorithm,
    /// outage and totals; each backend's state and counters; the toxics; and the history of
    /// connections per second per backend with the state changes.
    /// </summary>
    internal static class StatusDocument
    {
        public static byte[] Write(IReadOnlyList<NamedBalancer> balancers, StatusHistory history, bool toxiproxyApi)
        {
            var stream = new MemoryStream();
            using (var json = new Utf8JsonWriter(stream, JsonOptions.Writer))
            {
                json.WriteStartObject();
                json.WriteNumber("time", System.DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                json.WriteNumber("intervalMs", (long)history.Interval.TotalMilliseconds);
                json.WriteBoolean("toxiproxyApi", toxiproxyApi);
                json.WriteStartArray("balancers");
                foreach (NamedBalancer named in balancers)
                {
                    WriteBalancer(json, named);
                }
                json.WriteEndArray();
                WriteHistory(json, history);
                json.WriteEndObject();
            }
            return stream.ToArray();
        }

        private static void WriteBalancer(Utf8JsonWriter json, NamedBalancer named)
        {
            TcpBalancer balancer = named.Balancer;
            BalancerStatistics statistics = balancer.Statistics;
            json.WriteStartObject();
            json.WriteString("name", named.Name);
            json.WriteString("listen", Endpoints.Format(balancer.LocalEndPoint));
            json.WriteString("algorithm", balancer.Algorithm.ToString());
            json.WriteString("outage", balancer.Outage.ToString());
            json.WriteNumber("accepted", statistics.Accepted);
            json.WriteNumber("served", statistics.Served);
            json.WriteNumber("failed", statistics.Failed);
            json.WriteNumber("rejected", statistics.Rejected);
            json.WriteNumber("redispatched", statistics.Redispatched);
            json.WriteNumber("active", balancer.ActiveConnections);
            json.WriteNumber("queued", balancer.Queued);
            json.WriteNumber("bytesFromClients", statistics.BytesFromClients.Bytes);
            json.WriteNumber("bytesFromBackends", statistics.BytesFromBackends.Bytes);
            json.WriteStartArray("backends");
            foreach (Backend backend in balancer.Backends)
            {
                json.WriteStartObject();
                json.WriteString("address", backend.Address.ToString());
                json.WriteString("state", backend.State.ToString());
                json.WriteBoolean("backup", backend.IsBackup);
                json.WriteNumber("weight", backend.Weight);
                json.WriteNumber("active", backend.ActiveConnections);
                json.WriteNumber("total", backend.TotalConnections);
                json.WriteNumber("bytesToBackend", backend.BytesToBackend.Bytes);
                json.WriteNumber("bytesFromBackend", backend.BytesFromBackend.Bytes);
                json.WriteNumber("failures", backend.Failures);
                json.WriteNumber("redispatched", backend.Redispatched);
                if (backend.LastError != null)
                {
                    json.WriteString("lastError", backend.LastError);
                }
                else
                {
                    json.WriteNull("lastError");
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("toxics");
            foreach (BalancerToxic toxic in balancer.Toxics)
            {
                json.WriteStartObject();
                json.WriteString("name", toxic.Name);
                json.WriteString("type", toxic.Definition.Type.ToString());
                json.WriteString("direction", toxic.Definition.Direction.ToString());
                json.WriteNumber("toxicity", toxic.Definition.Toxicity);
                json.WriteString("attributes", toxic.Definition.Attributes);
                if (toxic.Backend != null)
                {
                    json.WriteString("backend", toxic.Backend.ToString());
                }
                else
                {
                    json.WriteNull("backend");
                }
                json.WriteNumber("connections", toxic.Connections);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }

        /// <summary>times: each sample's end; series: per backend, connections per second over each interval (null before it existed).</summary>
        private static void WriteHistory(Utf8JsonWriter json, StatusHistory history)
        {
            history.Read(out StatusHistory.Sample[] samples, out StatusHistory.StateMark[] events);
            json.WriteStartObject("history");
            json.WriteStartArray("times");
            for (int i = 1; i < samples.Length; i++)
            {
                json.WriteNumberValue(samples[i].Time);
            }
            json.WriteEndArray();
            json.WriteStartArray("series");
            if (samples.Length > 1)
            {
                foreach (var point in samples[samples.Length - 1].Points)
                {
                    StatusHistory.Split(point.Key, out string balancer, out string backend);
                    json.WriteStartObject();
                    json.WriteString("balancer", balancer);
                    json.WriteString("backend", backend);
                    json.WriteStartArray("rates");
                    for (int i = 1; i < samples.Length; i++)
                    {
                        if (samples[i - 1].Points.TryGetValue(point.Key, out var before) && samples[i].Points.TryGetValue(point.Key, out var after))
                        {
                            double seconds = (samples[i].Time - samples[i - 1].Time) / 1000.0;
                            json.WriteNumberValue(seconds > 0 ? System.Math.Round(System.Math.Max(0, after.Total - before.Total) / seconds, 2) : 0);
                        }
                        else
                        {
                            json.WriteNullValue();
                        }
                    }
                    json.WriteEndArray();
                    json.WriteEndObject();
                }
            }
            json.WriteEndArray();
            json.WriteStartArray("events");
            foreach (StatusHistory.StateMark mark in events)
            {
                json.WriteStartObject();
                json.WriteNumber("time", mark.Time);
                json.WriteString("balancer", mark.Balancer);
                json.WriteString("backend", mark.Backend);
                json.WriteString("from", mark.From.ToString());
                json.WriteString("to", mark.To.ToString());
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
    }
}
