using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using TcpLb.Configuration.Settings;
using TcpLb.Engine.Access;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Net;
using TcpLb.Engine.Proxying.Toxics;

namespace TcpLb.Configuration
{
    /// <summary>
    /// The configuration schema, one entry per key: a top-level list of servers, each with its
    /// client-side settings and one forward table (algorithm, backends, health check, backend-side
    /// settings). A new setting is one entry in the table it belongs to.
    /// </summary>
    internal static class BalancerSchema
    {
        public const string ServerKey = "server";

        public static readonly SettingTable<BackendBinding> BackendKeys = new SettingTable<BackendBinding>(
            new Setting<BackendBinding>("address",
                (node, at, b) => b.Address = Address(node, at),
                b => ConfigurationNode.Scalar(b.Address!.ToString())),
            new Setting<BackendBinding>("weight",
                (node, at, b) => b.Weight = ConfigurationValue.Integer(node, at, 1, BackendDefinition.MaxWeight),
                b => ConfigurationNode.Scalar(b.Weight)),
            new Setting<BackendBinding>("backup",
                (node, at, b) => b.Backup = ConfigurationValue.Boolean(node, at),
                b => b.Backup ? ConfigurationNode.Scalar(true) : null),
            new Setting<BackendBinding>("max_connections",
                (node, at, b) => b.MaxConnections = ConfigurationValue.Integer(node, at, 0, int.MaxValue),
                b => b.MaxConnections.HasValue ? ConfigurationNode.Scalar(b.MaxConnections.Value) : null),
            new Setting<BackendBinding>("send_proxy",
                (node, at, b) => b.SendProxyProtocol = ProxyVersion(node, at),
                b => b.SendProxyProtocol.HasValue ? ConfigurationNode.Scalar(ProxyVersionName(b.SendProxyProtocol.Value)) : null));

        public static readonly SettingTable<TcpBalancerOptions> HealthCheckKeys = new SettingTable<TcpBalancerOptions>(
            Described<TcpBalancerOptions>(BalancerSettings.HealthCheckInterval, o => o),
            Described<TcpBalancerOptions>(BalancerSettings.HealthCheckTimeout, o => o),
            Described<TcpBalancerOptions>(BalancerSettings.Rise, o => o),
            Described<TcpBalancerOptions>(BalancerSettings.Fall, o => o),
            Keyed<TcpBalancerOptions>(BalancerSettings.HealthCheckSend,
                (node, at, o) => o.HealthCheck.Send = ConfigurationValue.Text(node, at, "the text a check sends after connecting, not empty"),
                o => o.HealthCheck.Send == null ? null : ConfigurationNode.Scalar(o.HealthCheck.Send)),
            Keyed<TcpBalancerOptions>(BalancerSettings.HealthCheckExpect,
                (node, at, o) => o.HealthCheck.ExpectPrefix = ConfigurationValue.Text(node, at, "the text a check's reply must start with, not empty"),
                o => o.HealthCheck.ExpectPrefix == null ? null : ConfigurationNode.Scalar(o.HealthCheck.ExpectPrefix)));

        public static readonly SettingTable<ToxicBinding> ToxicKeys = new SettingTable<ToxicBinding>(
            new Setting<ToxicBinding>("type",
                (node, at, t) => { t.Type = ToxicTypeOf(node, at); },
                t => ConfigurationNode.Scalar(t.Type!.Value.ToString())),
            new Setting<ToxicBinding>("name",
                (node, at, t) => { t.Name = ConfigurationValue.Text(node, at, "the toxic's name, not empty"); },
                t => ConfigurationNode.Scalar(t.Name!)),
            new Setting<ToxicBinding>("direction",
                (node, at, t) => { t.Direction = DirectionOf(node, at); },
                t => ConfigurationNode.Scalar(t.Direction.ToString())),
            new Setting<ToxicBinding>("toxicity",
                (node, at, t) => { t.Toxicity = Share(node, at); },
                t => ConfigurationNode.Scalar(t.Toxicity)),
            new Setting<ToxicBinding>("backend",
                (node, at, t) => { t.Backend = Address(node, at); },
                t => t.Backend == null ? null : ConfigurationNode.Scalar(t.Backend.ToString())),
            new Setting<ToxicBinding>("latency",
                (node, at, t) => { Given(node, at, t, "latency"); t.Latency = ConfigurationValue.Duration(node, at, 0); },
                t => t.Applies("latency") ? ConfigurationValue.Milliseconds(t.Latency) : null),
            new Setting<ToxicBinding>("jitter",
                (node, at, t) => { Given(node, at, t, "jitter"); t.Jitter = ConfigurationValue.Duration(node, at, 0); },
                t => t.Applies("jitter") ? ConfigurationValue.Milliseconds(t.Jitter) : null),
            new Setting<ToxicBinding>("rate",
                (node, at, t) => { Given(node, at, t, "rate"); t.RateKilobytesPerSecond = ConfigurationValue.Integer(node, at, 1, int.MaxValue); },
                t => t.Applies("rate") ? ConfigurationNode.Scalar(t.RateKilobytesPerSecond) : null),
            new Setting<ToxicBinding>("delay",
                (node, at, t) => { Given(node, at, t, "delay"); t.Delay = ConfigurationValue.Duration(node, at, 0); },
                t => t.Applies("delay") ? ConfigurationValue.Milliseconds(t.Delay) : null),
            new Setting<ToxicBinding>("timeout",
                (node, at, t) => { Given(node, at, t, "timeout"); t.Timeout = ConfigurationValue.Duration(node, at, 0); },
                t => t.Applies("timeout") ? ConfigurationValue.Milliseconds(t.Timeout) : null),
            new Setting<ToxicBinding>("average_size",
                (node, at, t) => { Given(node, at, t, "average_size"); t.AverageSize = ConfigurationValue.Integer(node, at, 1, int.MaxValue); },
                t => t.Applies("average_size") ? ConfigurationNode.Scalar(t.AverageSize) : null),
            new Setting<ToxicBinding>("size_variation",
                (node, at, t) => { Given(node, at, t, "size_variation"); t.SizeVariation = ConfigurationValue.Integer(node, at, 0, int.MaxValue); },
                t => t.Applies("size_variation") ? ConfigurationNode.Scalar(t.SizeVariation) : null),
            new Setting<ToxicBinding>("bytes",
                (node, at, t) => { Given(node, at, t, "bytes"); t.Bytes = ConfigurationValue.Integer(node, at, 0, int.MaxValue); },
                t => t.Applies("bytes") ? ConfigurationNode.Scalar(t.Bytes) : null));

        public static readonly SettingTable<ServerBinding> ForwardKeys = new SettingTable<ServerBinding>(
            Keyed<ServerBinding>(BalancerSettings.Algorithm,
                (node, at, s) => s.Options.Algorithm = Algorithm(node, at),
                s => ConfigurationNode.Scalar(s.Options.Algorithm.ToString())),
            new Setting<ServerBinding>("backends",
                (node, at, s) => ReadBackends(node, at, s.Options.Backends),
                s => WriteBackends(s.Options.Backends)),
            Described<ServerBinding>(BalancerSettings.ConnectTimeout, s => s.Options),
            Described<ServerBinding>(BalancerSettings.Retries, s => s.Options),
            Keyed<ServerBinding>(BalancerSettings.RetryOn,
                (node, at, s) => s.Options.RetryOn = RetryConditionNames.Read(node, at),
                s => RetryConditionNames.Write(s.Options.RetryOn)),
            // The older switch, still read: false is retry_on = ["ConnectFailure"] (the later key wins); retry_on is written instead.
            new Setting<ServerBinding>("replay",
                (node, at, s) => s.Options.Replay = ConfigurationValue.Boolean(node, at),
                s => null),
            Described<ServerBinding>(BalancerSettings.ResponseTimeout, s => s.Options),
            Described<ServerBinding>(BalancerSettings.ConnectFailureLimit, s => s.Options),
            Described<ServerBinding>(BalancerSettings.BackendMaxConnections, s => s.Options),
            Described<ServerBinding>(BalancerSettings.SlowStart, s => s.Options),
            Keyed<ServerBinding>(BalancerSettings.SendProxyProtocol,
                (node, at, s) => s.Options.SendProxyProtocol = ProxyVersion(node, at),
                s => ConfigurationNode.Scalar(ProxyVersionName(s.Options.SendProxyProtocol))),
            new Setting<ServerBinding>("toxics",
                (node, at, s) => ReadToxics(node, at, s.Options.Toxics),
                s => WriteToxics(s.Options.Toxics)),
            new Setting<ServerBinding>("health_check",
                (node, at, s) => HealthCheckKeys.Bind(node, at, s.Options),
                s => HealthCheckKeys.Write(s.Options)));

        public static readonly SettingTable<ServerBinding> ServerKeys = new SettingTable<ServerBinding>(
            new Setting<ServerBinding>("name",
                (node, at, s) => s.Name = Name(node, at),
                s => s.Name == null ? null : ConfigurationNode.Scalar(s.Name)),
            Keyed<ServerBinding>(BalancerSettings.ListenAddress,
                (node, at, s) => Listen(node, at, s.Options),
                s => ConfigurationNode.Scalar(Listen(s.Options.ListenAddress, s.Options.Port))),
            Keyed<ServerBinding>(BalancerSettings.Transport,
                (node, at, s) => s.Options.Transport = Transport(node, at),
                s => s.Options.Transport == BalancerTransport.Auto ? null : ConfigurationNode.Scalar(s.Options.Transport.ToString())),
            Described<ServerBinding>(BalancerSettings.MaxConnections, s => s.Options),
            Described<ServerBinding>(BalancerSettings.QueueLength, s => s.Options),
            Described<ServerBinding>(BalancerSettings.QueueTimeout, s => s.Options),
            Described<ServerBinding>(BalancerSettings.IdleTimeout, s => s.Options),
            Described<ServerBinding>(BalancerSettings.FinTimeout, s => s.Options),
            Keyed<ServerBinding>(BalancerSettings.AllowFrom,
                (node, at, s) => ReadRanges(node, at, s.Options.AllowFrom),
                s => WriteStrings(s.Options.AllowFrom)),
            Keyed<ServerBinding>(BalancerSettings.DenyFrom,
                (node, at, s) => ReadRanges(node, at, s.Options.DenyFrom),
                s => WriteStrings(s.Options.DenyFrom)),
            Described<ServerBinding>(BalancerSettings.MaxConnectionsPerSource, s => s.Options),
            Keyed<ServerBinding>(BalancerSettings.ConnectionRatePerSource,
                (node, at, s) => s.Options.ConnectionRatePerSource = Rate(node, at),
                s => ConfigurationNode.Scalar(s.Options.ConnectionRatePerSource.ToString())),
            Keyed<ServerBinding>(BalancerSettings.AcceptProxyProtocol,
                (node, at, s) => s.Options.AcceptProxyProtocol = ConfigurationValue.Boolean(node, at),
                s => ConfigurationNode.Scalar(s.Options.AcceptProxyProtocol)),
            Described<ServerBinding>(BalancerSettings.ProxyHeaderTimeout, s => s.Options),
            new Setting<ServerBinding>("forward",
                (node, at, s) => ForwardKeys.Bind(SingleForwardTable(node, at), at, s),
                s => ForwardKeys.Write(s)));

        public static readonly IReadOnlyList<string> TopLevelKeys = new[] { ServerKey };

        static BalancerSchema()
        {
            // The seed's split (listen beside [[server.forward]]) is easy to get wrong: say where a key goes.
            ServerKeys.Elsewhere = key => ForwardKeys.Contains(key) ? "belongs in the server's forward table" : HealthCheckKeys.Contains(key) ? "belongs in the forward table's health_check table" : null;
            ForwardKeys.Elsewhere = key => ServerKeys.Contains(key) ? "belongs in the server table itself, not in forward" : HealthCheckKeys.Contains(key) ? "belongs in the health_check table" : null;
        }

        public const string ListenForms = BalancerSettings.ListenForms;

        /// <summary>The key of a value setting (<see cref="BalancerValueSetting"/>): its file key, read and written by the schema's own forms.</summary>
        private static Setting<TTarget> Keyed<TTarget>(BalancerValueSetting setting, Action<ConfigurationNode, BindingContext, TTarget> read, Func<TTarget, ConfigurationNode?> write)
            => new Setting<TTarget>(setting.FileKey, read, write);

        /// <summary>The key of a described setting: read in its range (durations in any unit), written in its unit.</summary>
        private static Setting<TTarget> Described<TTarget>(BalancerSetting setting, Func<TTarget, TcpBalancerOptions> options)
            => new Setting<TTarget>(setting.FileKey,
                (node, at, target) => setting.Set(options(target), setting.IsDuration
                    ? (int)ConfigurationValue.Duration(node, at, setting.Min, setting.ZeroMeans).TotalMilliseconds
                    : ConfigurationValue.Integer(node, at, setting.Min, setting.Max)),
                target => ConfigurationNode.Scalar(setting.Get(options(target))));

        private static BackendAddress Address(ConfigurationNode node, BindingContext at)
        {
            string text = ConfigurationValue.Text(node, at, BackendAddress.AcceptedForms);
            if (!BackendAddress.TryParse(text, out BackendAddress? address, out _))
            {
                throw ConfigurationValue.Bad(node, at, "not a backend address", BackendAddress.AcceptedForms);
            }
            return address!;
        }

        private static BalancerTransport Transport(ConfigurationNode node, BindingContext at)
        {
            string text = ConfigurationValue.Text(node, at, BalancerSettings.TransportForms);
            if (!BalancerSettings.Transport.IsValue(text))
            {
                throw ConfigurationValue.Bad(node, at, "not a transport", BalancerSettings.TransportForms);
            }
            return (BalancerTransport)Enum.Parse(typeof(BalancerTransport), text.Trim(), ignoreCase: true);
        }

        private static BalancingAlgorithm Algorithm(ConfigurationNode node, BindingContext at)
        {
            string text = ConfigurationValue.Text(node, at, AlgorithmName.Accepted);
            if (!AlgorithmName.TryParse(text, out BalancingAlgorithm algorithm))
            {
                throw ConfigurationValue.Bad(node, at, "not an algorithm", AlgorithmName.Accepted + " (case does not count)");
            }
            return algorithm;
        }

        /// <summary>The seed wrote [[server.forward]] (an array of tables); a server forwards to one pool, so it holds exactly one.</summary>
        private static ConfigurationNode SingleForwardTable(ConfigurationNode node, BindingContext at)
        {
            if (node.Kind != ConfigurationNodeKind.List)
            {
                return node;
            }
            if (node.Items.Count != 1)
            {
                throw at.Error(node, $"holds {node.Items.Count} tables; a server forwards to one pool, so give exactly one forward table per server (for another pool, add another server).");
            }
            return node.Items[0];
        }

        private static void ReadBackends(ConfigurationNode node, BindingContext at, IList<BackendDefinition> backends)
        {
            if (node.Kind != ConfigurationNodeKind.List)
            {
                throw ConfigurationValue.Bad(node, at, $"{ConfigurationValue.Describe(node)}, not a list", "a list of backends, each a table { address = \"host:port\", weight = N, backup = true, max_connections = N } or a string \"host:port;weight=N\"");
            }
            backends.Clear();
            var seen = new HashSet<BackendAddress>();
            for (int i = 0; i < node.Items.Count; i++)
            {
                ConfigurationNode item = node.Items[i];
                BindingContext here = at.Item(i);
                BackendDefinition backend = ReadBackend(item, here);
                if (!seen.Add(backend.Address))
                {
                    throw here.Error(item, $"backend {backend.Address} is given more than once. Give each backend once.");
                }
                backends.Add(backend);
            }
        }

        private static BackendDefinition ReadBackend(ConfigurationNode item, BindingContext at)
        {
            if (item.Kind == ConfigurationNodeKind.String)
            {
                if (!BackendDefinition.TryParse((string)item.Value!, out BackendDefinition? parsed, out string? reason))
                {
                    throw at.Error(item, reason!);
                }
                return parsed!;
            }
            if (item.Kind != ConfigurationNodeKind.Table)
            {
                throw ConfigurationValue.Bad(item, at, $"{ConfigurationValue.Describe(item)}, not a backend", $"a table with the keys {string.Join(", ", BackendKeys.Names)}, or a string \"host:port;weight=N\"");
            }
            var binding = new BackendBinding();
            BackendKeys.Bind(item, at, binding);
            if (binding.Address == null)
            {
                throw at.Error(item, $"the backend has no address. Give one: address = {BackendAddress.AcceptedForms}.");
            }
            return new BackendDefinition(binding.Address, binding.Weight, binding.Backup, binding.MaxConnections, binding.SendProxyProtocol);
        }

        private static ConfigurationNode WriteBackends(IList<BackendDefinition> backends)
        {
            ConfigurationNode list = ConfigurationNode.List();
            foreach (BackendDefinition backend in backends)
            {
                list.Items.Add(BackendKeys.Write(BackendBinding.From(backend)));
            }
            return list;
        }

        /// <summary>The balancer job's name: a string that <see cref="ServerName"/> accepts (a bad one is quoted shortened).</summary>
        private static string Name(ConfigurationNode node, BindingContext at)
        {
            if (node.Kind != ConfigurationNodeKind.String)
            {
                throw ConfigurationValue.Bad(node, at, $"{ConfigurationValue.Describe(node)}, not a string", ServerName.Accepted);
            }
            string name = (string)node.Value!;
            string? why = ServerName.WhyNot(name);
            if (why != null)
            {
                throw at.Error(node, $"\"{ServerName.Shown(name)}\" is not valid ({why}). Accepted: {ServerName.Accepted}.");
            }
            return name;
        }

        private static void Listen(ConfigurationNode node, BindingContext at, TcpBalancerOptions options)
        {
            if (node.Kind == ConfigurationNodeKind.Integer)
            {
                options.Port = Port((long)node.Value!);
                return;
            }
            string text = ConfigurationValue.Text(node, at, ListenForms).Trim();
            string host = "";
            string portText = text;
            int colon = text.LastIndexOf(':');
            if (text.StartsWith("[", StringComparison.Ordinal))
            {
                int close = text.IndexOf(']');
                if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':')
                {
                    throw ConfigurationValue.Bad(node, at, "an IPv6 address needs the form [address]:port", ListenForms);
                }
                host = text.Substring(1, close - 1);
                portText = text.Substring(close + 2);
            }
            else if (colon >= 0)
            {
                if (text.IndexOf(':') != colon)
                {
                    throw ConfigurationValue.Bad(node, at, "an IPv6 address needs brackets", ListenForms);
                }
                host = text.Substring(0, colon);
                portText = text.Substring(colon + 1);
            }
            if (!long.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out long port) || port > 65535)
            {
                throw ConfigurationValue.Bad(node, at, $"'{portText}' is not a port", ListenForms);
            }
            if (host.Length > 0)
            {
                try
                {
                    options.ListenAddress = Endpoints.ResolveListenAddress(host);
                }
                catch (ArgumentException e)
                {
                    throw ConfigurationValue.Bad(node, at, e.Message.TrimEnd('.'), ListenForms);
                }
            }
            options.Port = (int)port;

            int Port(long value)
            {
                if (value < 0 || value > 65535)
                {
                    throw ConfigurationValue.Bad(node, at, "out of range", ListenForms);
                }
                return (int)value;
            }
        }

        private static string Listen(IPAddress address, int port)
        {
            string host = address.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + address + "]" : address.ToString();
            return host + ":" + port.ToString(CultureInfo.InvariantCulture);
        }

        public const string ProxyVersionForms = "\"none\", \"v1\" or \"v2\" (case does not count)";

        private static ProxyProtocolVersion ProxyVersion(ConfigurationNode node, BindingContext at)
        {
            switch (ConfigurationValue.Text(node, at, ProxyVersionForms).Trim().ToLowerInvariant())
            {
                case "none":
                    return ProxyProtocolVersion.None;
                case "v1":
                    return ProxyProtocolVersion.V1;
                case "v2":
                    return ProxyProtocolVersion.V2;
                default:
                    throw ConfigurationValue.Bad(node, at, "not a PROXY protocol version", ProxyVersionForms);
            }
        }

        private static string ProxyVersionName(ProxyProtocolVersion version) => version.ToString().ToLowerInvariant();

        private static readonly string RateForms = BalancerSettings.ConnectionRatePerSource.Accepted;

        private static ConnectionRate Rate(ConfigurationNode node, BindingContext at)
        {
            string text = ConfigurationValue.Text(node, at, RateForms);
            if (string.Equals(text.Trim(), "none", StringComparison.OrdinalIgnoreCase))
            {
                return default;
            }
            try
            {
                return ConnectionRate.Parse(text);
            }
            catch (FormatException)
            {
                throw ConfigurationValue.Bad(node, at, "not a connection rate", RateForms);
            }
        }

        private static void ReadRanges(ConfigurationNode node, BindingContext at, IList<string> ranges)
        {
            if (node.Kind != ConfigurationNodeKind.List)
            {
                throw ConfigurationValue.Bad(node, at, $"{ConfigurationValue.Describe(node)}, not a list", "a list of strings, each " + AddressRange.AcceptedForms);
            }
            ranges.Clear();
            for (int i = 0; i < node.Items.Count; i++)
            {
                ConfigurationNode item = node.Items[i];
                BindingContext here = at.Item(i);
                string text = ConfigurationValue.Text(item, here, AddressRange.AcceptedForms);
                if (!AddressRange.TryParse(text, out _, out string? problem))
                {
                    throw ConfigurationValue.Bad(item, here, problem!, AddressRange.AcceptedForms);
                }
                ranges.Add(text.Trim());
            }
        }

        private static ConfigurationNode WriteStrings(IEnumerable<string> values)
        {
            ConfigurationNode list = ConfigurationNode.List();
            foreach (string value in values)
            {
                list.Items.Add(ConfigurationNode.Scalar(value));
            }
            return list;
        }

        private static readonly string ToxicTypes = string.Join(", ", Enum.GetNames(typeof(ToxicType)));

        private static ToxicType ToxicTypeOf(ConfigurationNode node, BindingContext at)
        {
            string accepted = ToxicTypes + " (case does not count)";
            string text = ConfigurationValue.Text(node, at, accepted).Trim();
            if (!Enum.TryParse(text, ignoreCase: true, out ToxicType type) || !Enum.IsDefined(typeof(ToxicType), type) || char.IsDigit(text[0]))
            {
                throw ConfigurationValue.Bad(node, at, "not a toxic type", accepted);
            }
            return type;
        }

        private static ToxicDirection DirectionOf(ConfigurationNode node, BindingContext at)
        {
            const string accepted = "Upstream (client to backend) or Downstream (backend to client)";
            string text = ConfigurationValue.Text(node, at, accepted).Trim();
            if (!Enum.TryParse(text, ignoreCase: true, out ToxicDirection direction) || !Enum.IsDefined(typeof(ToxicDirection), direction) || char.IsDigit(text[0]))
            {
                throw ConfigurationValue.Bad(node, at, "not a direction", accepted);
            }
            return direction;
        }

        private static double Share(ConfigurationNode node, BindingContext at)
        {
            const string accepted = "a number from 0 to 1 (the share of new connections the toxic applies to)";
            double value = node.Kind == ConfigurationNodeKind.Float ? (double)node.Value! : node.Kind == ConfigurationNodeKind.Integer ? (long)node.Value! : throw ConfigurationValue.Bad(node, at, $"{ConfigurationValue.Describe(node)}, not a number", accepted);
            if (double.IsNaN(value) || value < 0 || value > 1)
            {
                throw ConfigurationValue.Bad(node, at, "out of range", accepted);
            }
            return value;
        }

        private static void Given(ConfigurationNode node, BindingContext at, ToxicBinding toxic, string key) => toxic.Given.Add((key, node, at));

        private static void ReadToxics(ConfigurationNode node, BindingContext at, IList<BalancerToxic> toxics)
        {
            if (node.Kind != ConfigurationNodeKind.List)
            {
                throw ConfigurationValue.Bad(node, at, $"{ConfigurationValue.Describe(node)}, not a list", $"a list of toxic tables with the keys {string.Join(", ", ToxicKeys.Names)}");
            }
            toxics.Clear();
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < node.Items.Count; i++)
            {
                ConfigurationNode item = node.Items[i];
                BindingContext here = at.Item(i);
                var binding = new ToxicBinding();
                ToxicKeys.Bind(item, here, binding);
                if (!binding.Type.HasValue)
                {
                    throw here.Error(item, $"the toxic has no type. Give one: type = {ToxicTypes}.");
                }
                foreach (var (key, given, givenAt) in binding.Given)
                {
                    if (!binding.Applies(key))
                    {
                        throw givenAt.Error(given, $"'{key}' does not apply to a {binding.Type} toxic. A {binding.Type} toxic takes: {string.Join(", ", ToxicBinding.Settings[binding.Type.Value])}.");
                    }
                }
                BalancerToxic toxic;
                try
                {
                    var definition = new ToxicDefinition(binding.Type.Value, binding.Direction, binding.Toxicity, binding.Latency, binding.Jitter, binding.RateKilobytesPerSecond * 1024L,
                        binding.Delay, binding.Timeout, binding.AverageSize, binding.SizeVariation, binding.Bytes);
                    toxic = new BalancerToxic(definition, binding.Backend, binding.Name);
                }
                catch (ArgumentException e)
                {
                    throw here.Error(item, e.Message.Split(new[] { Environment.NewLine, " (Parameter" }, StringSplitOptions.None)[0]);
                }
                if (!names.Add(toxic.Name))
                {
                    throw here.Error(item, $"the toxic name '{toxic.Name}' is given twice. Give each toxic its own name.");
                }
                toxics.Add(toxic);
            }
        }

        private static ConfigurationNode WriteToxics(IList<BalancerToxic> toxics)
        {
            ConfigurationNode list = ConfigurationNode.List();
            foreach (BalancerToxic toxic in toxics)
            {
                list.Items.Add(ToxicKeys.Write(ToxicBinding.From(toxic)));
            }
            return list;
        }
    }
}
