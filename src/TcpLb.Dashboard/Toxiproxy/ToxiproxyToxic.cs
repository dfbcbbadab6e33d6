using System;
using System.Text.Json;
using TcpLb.Engine.Proxying.Toxics;

namespace TcpLb.Dashboard.Toxiproxy
{
    /// <summary>
    /// toxiproxy's toxic types and attributes (names, units) onto the engine's <see cref="ToxicDefinition"/>
    /// and back: latency and jitter in ms, bandwidth rate in KB/s (1000 bytes), slicer delay in µs.
    /// </summary>
    internal static class ToxiproxyToxic
    {
        public const string Types = "latency, bandwidth, slow_close, timeout, reset_peer, slicer, limit_data";

        public static string TypeName(ToxicType type)
        {
            switch (type)
            {
                case ToxicType.Latency: return "latency";
                case ToxicType.Bandwidth: return "bandwidth";
                case ToxicType.SlowClose: return "slow_close";
                case ToxicType.Timeout: return "timeout";
                case ToxicType.ResetPeer: return "reset_peer";
                case ToxicType.Slicer: return "slicer";
                default: return "limit_data";
            }
        }

        public static ToxicType ParseType(string? name)
        {
            switch (name)
            {
                case "latency": return ToxicType.Latency;
                case "bandwidth": return ToxicType.Bandwidth;
                case "slow_close": return ToxicType.SlowClose;
                case "timeout": return ToxicType.Timeout;
                case "reset_peer": return ToxicType.ResetPeer;
                case "slicer": return ToxicType.Slicer;
                case "limit_data": return ToxicType.LimitData;
                case null: throw HttpProblem.BadRequest("missing required field: type (one of " + Types + ")");
                default: throw HttpProblem.BadRequest($"invalid toxic type: '{name}'; use one of {Types}");
            }
        }

        public static string StreamName(ToxicDirection direction) => direction == ToxicDirection.Upstream ? "upstream" : "downstream";

        public static ToxicDirection ParseStream(string? stream)
        {
            switch (stream)
            {
                case null:
                case "":
                case "downstream": return ToxicDirection.Downstream;
                case "upstream": return ToxicDirection.Upstream;
                default: throw HttpProblem.BadRequest($"invalid stream '{stream}': use upstream or downstream");
            }
        }

        /// <summary>The attributes object of a toxic of this type, in toxiproxy's names and units.</summary>
        public static void WriteAttributes(Utf8JsonWriter json, ToxicDefinition toxic)
        {
            json.WriteStartObject("attributes");
            switch (toxic.Type)
            {
                case ToxicType.Latency:
                    json.WriteNumber("latency", Ms(toxic.Latency));
                    json.WriteNumber("jitter", Ms(toxic.Jitter));
                    break;
                case ToxicType.Bandwidth:
                    json.WriteNumber("rate", toxic.RateBytesPerSecond / 1000);
                    break;
                case ToxicType.SlowClose:
                    json.WriteNumber("delay", Ms(toxic.Delay));
                    break;
                case ToxicType.Timeout:
                case ToxicType.ResetPeer:
                    json.WriteNumber("timeout", Ms(toxic.Timeout));
                    break;
                case ToxicType.Slicer:
                    json.WriteNumber("average_size", toxic.AverageSize);
                    json.WriteNumber("size_variation", toxic.SizeVariation);
                    json.WriteNumber("delay", (long)(toxic.Delay.Ticks / 10));
                    break;
                default:
                    json.WriteNumber("bytes", toxic.Bytes);
                    break;
            }
            json.WriteEndObject();
        }

        /// <summary>
        /// A definition from toxiproxy's attributes: those given replace <paramref name="basis"/>'s
        /// (a new toxic's basis has the type's defaults); an unknown attribute or a bad value is a 400.
        /// </summary>
        public static ToxicDefinition Apply(ToxicDefinition basis, JsonElement? attributes, ToxicDirection? direction, double? toxicity)
        {
            TimeSpan? latency = null, jitter = null, delay = null, timeout = null;
            long? rate = null, bytes = null;
            int? averageSize = null, sizeVariation = null;
            if (attributes is JsonElement given && given.ValueKind != JsonValueKind.Null)
            {
                if (given.ValueKind != JsonValueKind.Object)
                {
                    throw HttpProblem.BadRequest("attributes must be a JSON object");
                }
                foreach (JsonProperty attribute in given.EnumerateObject())
                {
                    string expected = ExpectedAttributes(basis.Type);
                    switch ((basis.Type, attribute.Name))
                    {
                        case (ToxicType.Latency, "latency"): latency = TimeSpan.FromMilliseconds(Number(attribute)); break;
                        case (ToxicType.Latency, "jitter"): jitter = TimeSpan.FromMilliseconds(Number(attribute)); break;
                        case (ToxicType.Bandwidth, "rate"): rate = checked((long)Number(attribute) * 1000); break;
                        case (ToxicType.SlowClose, "delay"): delay = TimeSpan.FromMilliseconds(Number(attribute)); break;
                        case (ToxicType.Timeout, "timeout"):
                        case (ToxicType.ResetPeer, "timeout"): timeout = TimeSpan.FromMilliseconds(Number(attribute)); break;
                        case (ToxicType.Slicer, "average_size"): averageSize = (int)Number(attribute); break;
                        case (ToxicType.Slicer, "size_variation"): sizeVariation = (int)Number(attribute); break;
                        case (ToxicType.Slicer, "delay"): delay = TimeSpan.FromTicks(checked((long)Number(attribute) * 10)); break;
                        case (ToxicType.LimitData, "bytes"): bytes = (long)Number(attribute); break;
                        default:
                            throw HttpProblem.BadRequest($"unknown attribute '{attribute.Name}' for a {TypeName(basis.Type)} toxic; it takes {expected}");
                    }
                }
            }
            try
            {
                return basis.With(direction, toxicity, latency, jitter, rate, delay, timeout, averageSize, sizeVariation, bytes);
            }
            catch (ArgumentException e)
            {
                throw HttpProblem.BadRequest(e.Message.Split('\n')[0].Replace(" (Parameter '" + e.ParamName + "')", ""));
            }
        }

        /// <summary>What a new toxic of this type starts from before its attributes apply (toxiproxy's zero values where the engine takes them).</summary>
        public static ToxicDefinition Defaults(ToxicType type)
        {
            switch (type)
            {
                case ToxicType.Bandwidth: return new ToxicDefinition(type, rateBytesPerSecond: 1000);
                case ToxicType.Slicer: return new ToxicDefinition(type, averageSize: 1);
                default: return new ToxicDefinition(type);
            }
        }

        private static string ExpectedAttributes(ToxicType type)
        {
            switch (type)
            {
                case ToxicType.Latency: return "latency and jitter (ms)";
                case ToxicType.Bandwidth: return "rate (KB/s)";
                case ToxicType.SlowClose: return "delay (ms)";
                case ToxicType.Timeout:
                case ToxicType.ResetPeer: return "timeout (ms)";
                case ToxicType.Slicer: return "average_size, size_variation (bytes) and delay (µs)";
                default: return "bytes";
            }
        }

        private static double Number(JsonProperty attribute)
        {
            if (attribute.Value.ValueKind != JsonValueKind.Number || !attribute.Value.TryGetDouble(out double value) || value < 0)
            {
                throw HttpProblem.BadRequest($"attribute '{attribute.Name}' must be a number of 0 or more, not {attribute.Value.GetRawText()}");
            }
            return value;
        }

        private static long Ms(TimeSpan value) => (long)Math.Round(value.TotalMilliseconds);

    }
}
