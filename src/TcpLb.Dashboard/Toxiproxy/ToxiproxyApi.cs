using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Text;
using System.Text.Json;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Net;
using TcpLb.Engine.Proxying.Toxics;

namespace TcpLb.Dashboard.Toxiproxy
{
    /// <summary>
    /// toxiproxy's v2 HTTP API on its own paths, mapped onto the catalog: a proxy is a balancer (by
    /// name; its upstream is its first backend, enabled means no outage), a toxic is the balancer's
    /// toxic of the same name. Status codes and JSON shapes are toxiproxy's, so its clients work
    /// unchanged; every refusal is an {"error", "status"} body that says why.
    /// </summary>
    internal sealed class ToxiproxyApi
    {
        /// <summary>The toxiproxy release whose API this follows.</summary>
        public const string Version = "2.12.0";

        private readonly IBalancerCatalog _catalog;
        private readonly IPAddress _loopback;
        private readonly object _changes = new object();

        public ToxiproxyApi(IBalancerCatalog catalog, IPAddress apiAddress)
        {
            _catalog = catalog;
            _loopback = apiAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        }

        public static bool IsItsPath(string path)
            => path == "/version" || path == "/reset" || path == "/populate" || path == "/proxies" || path.StartsWith("/proxies/", StringComparison.Ordinal);

        public Reply Handle(string method, string path, string body)
        {
            string[] parts = path.Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();
            lock (_changes)
            {
                switch (parts.Length)
                {
                    case 1 when parts[0] == "version":
                        Require(method, path, "GET");
                        return Reply.OkJson(Encoding.UTF8.GetBytes("{\"version\":\"" + Version + "\"}"));
                    case 1 when parts[0] == "reset":
                        Require(method, path, "POST");
                        Reset();
                        return Reply.NoContent();
                    case 1 when parts[0] == "populate":
                        Require(method, path, "POST");
                        return Reply.OkJson(ToxiproxyJson.Populated(Populate(Parse(body))), 201);
                    case 1:
                        if (method == "GET")
                        {
                            return Reply.OkJson(ToxiproxyJson.ProxyMap(_catalog.List()));
                        }
                        Require(method, path, "GET, POST");
                        return Reply.OkJson(ToxiproxyJson.Proxy(Create(Parse(body))), 201);
                    case 2:
                        return ProxyRoute(method, path, parts[1], body);
                    case 3 when parts[2] == "toxics":
                        return ToxicsRoute(method, path, Find(parts[1]), body);
                    case 4 when parts[2] == "toxics":
                        return ToxicRoute(method, path, Find(parts[1]), parts[3], body);
                    default:
                        throw HttpProblem.NotFound($"no such path in toxiproxy's API: {path}");
                }
            }
        }

        private Reply ProxyRoute(string method, string path, string name, string body)
        {
            switch (method)
            {
                case "GET":
                    return Reply.OkJson(ToxiproxyJson.Proxy(Find(name)));
                case "POST":
                case "PATCH":
                    return Reply.OkJson(ToxiproxyJson.Proxy(Update(Find(name), Parse(body))));
                case "DELETE":
                    if (!_catalog.Remove(Find(name).Name))
                    {
                        throw NoProxy(name);
                    }
                    return Reply.NoContent();
                default:
                    throw HttpProblem.MethodNotAllowed(method, path, "GET, POST, PATCH, DELETE");
            }
        }

        private static Reply ToxicsRoute(string method, string path, NamedBalancer proxy, string body)
        {
            if (method == "GET")
            {
                return Reply.OkJson(ToxiproxyJson.Toxics(proxy.Balancer.Toxics));
            }
            Require(method, path, "GET, POST");
            JsonElement input = Parse(body);
            ToxicType type = ToxiproxyToxic.ParseType(String(input, "type"));
            ToxicDirection direction = ToxiproxyToxic.ParseStream(String(input, "stream"));
            ToxicDefinition definition = ToxiproxyToxic.Apply(ToxiproxyToxic.Defaults(type), Member(input, "attributes"), direction, Toxicity(input) ?? 1.0);
            string? name = String(input, "name");
            var toxic = new BalancerToxic(definition, null, string.IsNullOrEmpty(name) ? null : name);
            if (proxy.Balancer.FindToxic(toxic.Name) != null)
            {
                throw new HttpProblem(409, "toxic already exists");
            }
            try
            {
                return Reply.OkJson(ToxiproxyJson.Toxic(proxy.Balancer.AddToxic(toxic)));
            }
            catch (ArgumentException e)
            {
                throw new HttpProblem(409, e.Message);
            }
        }

        private static Reply ToxicRoute(string method, string path, NamedBalancer proxy, string name, string body)
        {
            BalancerToxic toxic = proxy.Balancer.FindToxic(name) ?? throw HttpProblem.NotFound("toxic not found");
            switch (method)
            {
                case "GET":
                    return Reply.OkJson(ToxiproxyJson.Toxic(toxic));
                case "POST":
                case "PATCH":
                    JsonElement input = Parse(body);
                    string? stream = String(input, "stream");
                    ToxicDefinition changed = ToxiproxyToxic.Apply(toxic.Definition, Member(input, "attributes"), stream == null ? (ToxicDirection?)null : ToxiproxyToxic.ParseStream(stream), Toxicity(input));
                    BalancerToxic updated = proxy.Balancer.SetToxic(toxic.Name, changed) ?? throw HttpProblem.NotFound("toxic not found");
                    return Reply.OkJson(ToxiproxyJson.Toxic(updated));
                case "DELETE":
                    if (!proxy.Balancer.RemoveToxic(toxic.Name))
                    {
                        throw HttpProblem.NotFound("toxic not found");
                    }
                    return Reply.NoContent();
                default:
                    throw HttpProblem.MethodNotAllowed(method, path, "GET, POST, PATCH, DELETE");
            }
        }

        /// <summary>POST /reset: every proxy enabled, every toxic removed.</summary>
        private void Reset()
        {
            foreach (NamedBalancer proxy in _catalog.List())
            {
                proxy.Balancer.SetOutage(BalancerOutage.None);
                foreach (BalancerToxic toxic in proxy.Balancer.Toxics)
                {
                    proxy.Balancer.RemoveToxic(toxic.Name);
                }
            }
        }

        private NamedBalancer Create(JsonElement input)
        {
            string name = String(input, "name") is string given && given.Length > 0 ? given : throw HttpProblem.BadRequest("missing required field: name");
            if (FindOrNull(name) != null)
            {
                throw new HttpProblem(409, "proxy already exists");
            }
            return Start(name, Listen(String(input, "listen")), UpstreamOf(input), Bool(input, "enabled") ?? true, Array.Empty<BalancerToxic>());
        }

        /// <summary>POST /populate: creates the proxies that are missing and replaces those whose listen or upstream differ.</summary>
        private List<NamedBalancer> Populate(JsonElement input)
        {
            if (input.ValueKind != JsonValueKind.Array)
            {
                throw HttpProblem.BadRequest("populate takes a JSON array of proxies: [{\"name\": ..., \"listen\": ..., \"upstream\": ...}]");
            }
            var result = new List<NamedBalancer>();
            foreach (JsonElement entry in input.EnumerateArray())
            {
                string name = String(entry, "name") is string given && given.Length > 0 ? given : throw HttpProblem.BadRequest("missing required field: name");
                IPEndPoint listen = Listen(String(entry, "listen"));
                BackendAddress upstream = UpstreamOf(entry);
                bool enabled = Bool(entry, "enabled") ?? true;
                NamedBalancer? existing = FindOrNull(name);
                if (existing != null && SameListen(existing.Balancer, listen) && upstream.Equals(existing.Balancer.Backends.FirstOrDefault()?.Address))
                {
                    existing.Balancer.SetOutage(enabled ? BalancerOutage.None : BalancerOutage.Refuse);
                    result.Add(existing);
                    continue;
                }
                if (existing != null)
                {
                    _catalog.Remove(existing.Name);
                }
                result.Add(Start(name, listen, upstream, enabled, Array.Empty<BalancerToxic>()));
            }
            return result;
        }

        /// <summary>POST /proxies/{name}: enabled, upstream and listen as given; a new listen restarts the proxy with its toxics.</summary>
        private NamedBalancer Update(NamedBalancer proxy, JsonElement input)
        {
            string? listenText = String(input, "listen");
            string? upstreamText = String(input, "upstream");
            bool? enabled = Bool(input, "enabled");
            TcpBalancer balancer = proxy.Balancer;
            if (!string.IsNullOrEmpty(listenText) && !SameListen(balancer, Listen(listenText)))
            {
                BackendAddress upstream = string.IsNullOrEmpty(upstreamText) ? balancer.Backends[0].Address : ParseUpstream(upstreamText!);
                BalancerToxic[] toxics = balancer.Toxics.ToArray();
                IPEndPoint listen = Listen(listenText);
                bool wasEnabled = balancer.Outage == BalancerOutage.None;
                _catalog.Remove(proxy.Name);
                return Start(proxy.Name, listen, upstream, enabled ?? wasEnabled, toxics);
            }
            if (!string.IsNullOrEmpty(upstreamText))
            {
                BackendAddress upstream = ParseUpstream(upstreamText!);
                if (balancer.FindBackend(upstream) == null)
                {
                    BackendAddress[] old = balancer.Backends.Select(b => b.Address).ToArray();
                    balancer.AddBackend(new BackendDefinition(upstream));
                    foreach (BackendAddress address in old)
                    {
                        balancer.RemoveBackend(address);
                    }
                }
            }
            if (enabled.HasValue)
            {
                balancer.SetOutage(enabled.Value ? BalancerOutage.None : BalancerOutage.Refuse);
            }
            return proxy;
        }

        /// <summary>A balancer that behaves like a toxiproxy proxy: one upstream, no health checks, no retries or replays.</summary>
        private NamedBalancer Start(string name, IPEndPoint listen, BackendAddress upstream, bool enabled, IReadOnlyList<BalancerToxic> toxics)
        {
            var options = new TcpBalancerOptions
            {
                ListenAddress = listen.Address,
                Port = listen.Port,
                Retries = 0,
                ConnectFailuresBeforeDown = 0,
                Replay = false,
                ResponseTimeout = TimeSpan.Zero,
            };
            options.HealthCheck.Interval = TimeSpan.Zero;
            options.Backends.Add(new BackendDefinition(upstream));
            foreach (BalancerToxic toxic in toxics)
            {
                options.Toxics.Add(new BalancerToxic(toxic.Definition, toxic.Backend, toxic.Name));
            }
            NamedBalancer created;
            try
            {
                created = _catalog.Create(name, options);
            }
            catch (ListenerBindException e)
            {
                throw new HttpProblem(500, $"error starting proxy '{name}' on {Endpoints.Format(listen)}: {e.Message}");
            }
            catch (ArgumentException e)
            {
                // Includes SelfLoopBackendException: an upstream that leads back to the proxy.
                throw HttpProblem.BadRequest(e.Message);
            }
            if (!enabled)
            {
                created.Balancer.SetOutage(BalancerOutage.Refuse);
            }
            return created;
        }

        private static bool SameListen(TcpBalancer balancer, IPEndPoint listen)
            => listen.Address.Equals(balancer.LocalEndPoint.Address) && (listen.Port == 0 || listen.Port == balancer.Port);

        /// <summary>toxiproxy's listen: host:port, on loopback only here (localhost, 127.0.0.0/8, [::1]); empty: 127.0.0.1 on a free port.</summary>
        private IPEndPoint Listen(string? text)
        {
            if (string.IsNullOrEmpty(text))
            {
                return new IPEndPoint(_loopback, 0);
            }
            int colon = text!.LastIndexOf(':');
            if (colon < 0 || !int.TryParse(text.Substring(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port) || port > 65535)
            {
                throw HttpProblem.BadRequest($"listen '{text}' is not host:port with a port of 0 to 65535");
            }
            string host = text.Substring(0, colon).Trim('[', ']');
            IPAddress address;
            if (host.Length == 0 || string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
            {
                address = _loopback;
            }
            else if (!IPAddress.TryParse(host, out address!))
            {
                throw HttpProblem.BadRequest($"listen '{text}': '{host}' is not an IP address or localhost");
            }
            if (!DashboardOptions.IsLoopback(address))
            {
                throw HttpProblem.BadRequest($"listen '{text}' is not on loopback: proxies made through this API listen on loopback only (localhost, 127.0.0.1, [::1]). Start a balancer with Start-TcpBalancer -ListenAddress to listen elsewhere.");
            }
            return new IPEndPoint(address, port);
        }

        private static BackendAddress UpstreamOf(JsonElement input)
        {
            string? text = String(input, "upstream");
            return string.IsNullOrEmpty(text) ? throw HttpProblem.BadRequest("missing required field: upstream") : ParseUpstream(text!);
        }

        private static BackendAddress ParseUpstream(string text)
            => BackendAddress.TryParse(text, out BackendAddress? address, out string? reason)
                ? address!
                : throw HttpProblem.BadRequest($"upstream '{text}': {reason}");

        private NamedBalancer Find(string name) => FindOrNull(name) ?? throw NoProxy(name);

        private NamedBalancer? FindOrNull(string name)
            => _catalog.List().FirstOrDefault(b => string.Equals(b.Name, name, StringComparison.OrdinalIgnoreCase));

        private static HttpProblem NoProxy(string name) => HttpProblem.NotFound($"proxy not found: {name}");

        private static void Require(string method, string path, string allowed)
        {
            if (Array.IndexOf(allowed.Split(new[] { ", " }, StringSplitOptions.None), method) < 0)
            {
                throw HttpProblem.MethodNotAllowed(method, path, allowed);
            }
        }

        private static JsonElement Parse(string body)
        {
            if (body.Trim().Length == 0)
            {
                throw HttpProblem.BadRequest("the request needs a JSON body");
            }
            try
            {
                using (JsonDocument document = JsonDocument.Parse(body))
                {
                    return document.RootElement.Clone();
                }
            }
            catch (JsonException e)
            {
                throw HttpProblem.BadRequest("bad request body: not valid JSON: " + e.Message);
            }
        }

        private static JsonElement? Member(JsonElement input, string name)
            => input.ValueKind == JsonValueKind.Object && input.TryGetProperty(name, out JsonElement value) ? value : (JsonElement?)null;

        private static string? String(JsonElement input, string name)
        {
            JsonElement? value = Member(input, name);
            if (value == null || value.Value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }
            return value.Value.ValueKind == JsonValueKind.String ? value.Value.GetString() : throw HttpProblem.BadRequest($"field '{name}' must be a string, not {value.Value.GetRawText()}");
        }

        private static bool? Bool(JsonElement input, string name)
        {
            JsonElement? value = Member(input, name);
            switch (value?.ValueKind)
            {
                case null:
                case JsonValueKind.Null: return null;
                case JsonValueKind.True: return true;
                case JsonValueKind.False: return false;
                default: throw HttpProblem.BadRequest($"field '{name}' must be true or false, not {value.Value.GetRawText()}");
            }
        }

        private static double? Toxicity(JsonElement input)
        {
            JsonElement? value = Member(input, "toxicity");
            if (value == null || value.Value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }
            return value.Value.ValueKind == JsonValueKind.Number ? value.Value.GetDouble() : throw HttpProblem.BadRequest($"field 'toxicity' must be a number from 0 to 1, not {value.Value.GetRawText()}");
        }
    }
}
