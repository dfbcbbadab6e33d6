using System;
using System.Net.Http;
using TcpLb.Engine.Backends;
using TcpLb.Engine.Balancing;

namespace TcpLb.Dashboard.Tests
{
    /// <summary>Two test backends, a balancer "web" over them in an owned catalog, and a dashboard (toxiproxy's API on) on loopback port 0.</summary>
    public sealed class DashboardFixture : IDisposable
    {
        public DashboardFixture()
        {
            First = new TcpTestBackend(new TcpTestBackendOptions { Port = 0 });
            First.Start();
            Second = new TcpTestBackend(new TcpTestBackendOptions { Port = 0 });
            Second.Start();
            var options = new TcpBalancerOptions { Port = 0 };
            options.Backends.Add(new BackendAddress("127.0.0.1", First.Port));
            options.Backends.Add(new BackendAddress("127.0.0.1", Second.Port));
            Catalog.Create("web", options);
            Server = new DashboardServer(Catalog, new DashboardOptions { ToxiproxyApi = true });
            Server.Start();
            Http = new HttpClient { BaseAddress = Server.Uri, Timeout = TimeSpan.FromSeconds(30) };
        }

        public TcpTestBackend First { get; }

        public TcpTestBackend Second { get; }

        public OwnedBalancerCatalog Catalog { get; } = new OwnedBalancerCatalog();

        public DashboardServer Server { get; }

        public HttpClient Http { get; }

        public TcpBalancer Web => Catalog.List()[0].Balancer;

        public void Dispose()
        {
            Http.Dispose();
            Server.Dispose();
            Catalog.Dispose();
            First.Dispose();
            Second.Dispose();
        }
    }
}
