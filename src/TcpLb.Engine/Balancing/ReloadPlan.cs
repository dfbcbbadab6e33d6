using System;
using System.Collections.Generic;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// The settings a reload puts in force: the new ones, validated, with what cannot change while
    /// the balancer runs carried over from the settings in force (address, port, algorithm, TLS,
    /// the PROXY protocol, access rules and per-source limits). The pool is not part of them.
    /// </summary>
    internal static class ReloadPlan
    {
        /// <summary>The next settings; throws <see cref="ArgumentException"/> for invalid ones or a changed address or port (<paramref name="boundPort"/>: the real one).</summary>
        public static TcpBalancerOptions Next(TcpBalancerOptions previous, TcpBalancerOptions settings, int boundPort)
        {
            if (!Equals(settings.ListenAddress, previous.ListenAddress))
            {
                throw new ArgumentException($"The listen address cannot change while the balancer runs ({previous.ListenAddress} to {settings.ListenAddress}). Stop it and start it again.", nameof(settings));
            }
            if (settings.Port != 0 && settings.Port != boundPort)
            {
                throw new ArgumentException($"The port cannot change while the balancer runs ({boundPort} to {settings.Port}). Stop it and start it again.", nameof(settings));
            }
            TcpBalancerOptions next = settings.Copy();
            next.Port = previous.Port;
            next.Algorithm = previous.Algorithm; // SetAlgorithm changes it
            // Not reloaded: TLS (the listener's and the connector's certificates), the PROXY
            // protocol, and access rules and per-source limits (Set-TcpBalancerAccess changes those).
            next.Transport = previous.Transport;
            next.Tls = previous.Tls;
            next.BackendTls = previous.BackendTls;
            next.AcceptProxyProtocol = previous.AcceptProxyProtocol;
            next.ProxyHeaderTimeout = previous.ProxyHeaderTimeout;
            next.SendProxyProtocol = previous.SendProxyProtocol;
            next.MaxConnectionsPerSource = previous.MaxConnectionsPerSource;
            next.ConnectionRatePerSource = previous.ConnectionRatePerSource;
            next.SourceTableCapacity = previous.SourceTableCapacity;
            ReplaceAll(next.AllowFrom, previous.AllowFrom);
            ReplaceAll(next.DenyFrom, previous.DenyFrom);
            // The pool is not part of the settings: validate them beside a pool of one.
            next.Backends.Clear();
            next.Backends.Add(new BackendAddress("127.0.0.1", 1));
            next.Validate();
            next.Backends.Clear();
            return next;
        }

        private static void ReplaceAll(IList<string> list, IEnumerable<string> items)
        {
            list.Clear();
            foreach (string item in items)
            {
                list.Add(item);
            }
        }
    }
}
