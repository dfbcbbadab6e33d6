using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading.Tasks;
using TcpLb.Engine.Backends;
using TcpLb.Engine.Balancing;
using TcpLb.Engine.Tls;
using Xunit;

namespace TcpLb.Engine.Tests
{
    /// <summary>TLS on the listener and to the backends, and certificates: loaded, made, refused.</summary>
    public class TlsTests
    {
        [Fact]
        public void A_self_signed_certificate_has_its_key_and_names_both_loopbacks()
        {
            using X509Certificate2 certificate = TlsCertificates.CreateSelfSigned();

            Assert.True(certificate.HasPrivateKey);
            Assert.Equal("CN=localhost", certificate.Subject);
            Assert.True(certificate.NotAfter > DateTime.Now.AddDays(6));
            string names = certificate.Extensions["2.5.29.17"]!.Format(false);
            Assert.Contains("localhost", names);
            Assert.Contains("127.0.0.1", names);
            Assert.Matches(@"IP Address:(::1|0:0:0:0:0:0:0:1)", names);
        }

        [Fact]
        public void On_modern_dotnet_the_certificate_context_is_built_once()
        {
            using X509Certificate2 certificate = TlsCertificates.CreateSelfSigned();

            Assert.True(new ListenerTlsOptions(certificate).Authenticator.UsesCertificateContext);
        }

        [Fact]
        public void A_missing_or_unreadable_certificate_file_is_named()
        {
            string missing = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("n") + ".pfx");
            var notFound = Assert.Throws<TlsCertificateException>(() => TlsCertificates.LoadWithKey(missing));
            Assert.True(notFound.FileMissing);
            Assert.Contains(missing, notFound.Message);

            string junk = Path.GetTempFileName();
            try
            {
                File.WriteAllText(junk, "not a certificate");
                var unreadable = Assert.Throws<TlsCertificateException>(() => TlsCertificates.LoadWithKey(junk));
                Assert.False(unreadable.FileMissing);
                Assert.Contains(junk, unreadable.Message);
                Assert.Contains("PFX", unreadable.Message);
            }
            finally
            {
                File.Delete(junk);
            }
        }

        [Fact]
        public void A_pfx_round_trips_with_its_password_and_is_refused_with_a_wrong_one()
        {
            string pfx = Path.GetTempFileName();
            try
            {
                using (X509Certificate2 made = TlsCertificates.CreateSelfSigned())
                {
                    File.WriteAllBytes(pfx, made.Export(X509ContentType.Pkcs12, "pw"));
                }
                using (X509Certificate2 loaded = TlsCertificates.LoadWithKey(pfx, "pw"))
                {
                    Assert.True(loaded.HasPrivateKey);
                }
                var wrong = Assert.Throws<TlsCertificateException>(() => TlsCertificates.LoadWithKey(pfx, "nope"));
                Assert.Contains("password is wrong", wrong.Message);
            }
            finally
            {
                File.Delete(pfx);
            }
        }

        [Fact]
        public async Task Tls_on_both_sides_carries_a_megabyte_each_way_with_half_close()
        {
            using X509Certificate2 certificate = TlsCertificates.CreateSelfSigned();
            var backend = new TcpTestBackend(new TcpTestBackendOptions { Port = 0, Mode = TcpBackendMode.Echo, Tls = new ListenerTlsOptions(certificate) });
            backend.Start();
            var options = new TcpBalancerOptions { Port = 0, Tls = new ListenerTlsOptions(certificate), BackendTls = new BackendTlsOptions() };
            options.BackendTls.TrustedCertificates.Add(X509CertificateLoader.LoadCertificate(certificate.Export(X509ContentType.Cert)));
            options.HealthCheck.Interval = TimeSpan.Zero;
            options.Backends.Add(new BackendAddress("localhost", backend.Port));
            var balancer = new TcpBalancer(options);
            balancer.Start();
            try
            {
                byte[] payload = Enumerable.Range(0, 1 << 20).Select(i => (byte)(i * 7)).ToArray();
                (byte[] reply, SslStream _) = await ExchangeAsync(balancer.Port, payload, certificate.Thumbprint);

                Assert.Equal(payload, reply);
                await Eventually(() => balancer.Statistics.Served == 1, "the connection was not counted as served");
                Assert.Equal(payload.Length, balancer.Statistics.BytesFromClients.Bytes);
                Assert.Equal(payload.Length, balancer.Statistics.BytesFromBackends.Bytes);
                Assert.Equal(0, balancer.Backends[0].Failures);
            }
            finally
            {
                await balancer.StopAsync();
                await backend.StopAsync();
            }
        }

        [Fact]
        public async Task A_backend_whose_certificate_is_not_trusted_fails_over_to_one_that_is()
        {
            using X509Certificate2 untrusted = TlsCertificates.CreateSelfSigned();
            using X509Certificate2 trusted = TlsCertificates.CreateSelfSigned();
            var first = new TcpTestBackend(new TcpTestBackendOptions { Port = 0, Tls = new ListenerTlsOptions(untrusted) });
            var second = new TcpTestBackend(new TcpTestBackendOptions { Port = 0, Tls = new ListenerTlsOptions(trusted) });
            first.Start();
            second.Start();
            var options = new TcpBalancerOptions { Port = 0, BackendTls = new BackendTlsOptions() };
            options.BackendTls.TrustedCertificates.Add(X509CertificateLoader.LoadCertificate(trusted.Export(X509ContentType.Cert)));
            options.HealthCheck.Interval = TimeSpan.Zero;
            options.Backends.Add(new BackendAddress("127.0.0.1", first.Port));
            options.Backends.Add(new BackendAddress("127.0.0.1", second.Port));
            var balancer = new TcpBalancer(options);
            balancer.Start();
            try
            {
                var results = await TestNet.ProbeAsync(balancer.Port, 2);

                Assert.All(results, r => Assert.Equal(TcpTestBackend.ReplyFor(second.Port), r.Response));
                // Each probe that round robin sends to the untrusted backend first fails over once.
                Assert.InRange(balancer.Backends[0].Failures, 1, 2);
                Assert.Equal(balancer.Backends[0].Failures, balancer.Statistics.Retried);
                Assert.Contains("is not trusted", balancer.Backends[0].LastError);
                Assert.Equal(0, balancer.Backends[1].Failures);
                await Eventually(() => balancer.Statistics.Served == 2, "the connections were not counted as served");
            }
            finally
            {
                await balancer.StopAsync();
                await first.StopAsync();
                await second.StopAsync();
            }
        }

        [Fact]
        public async Task Stopping_resets_an_open_tls_connection_promptly()
        {
            using X509Certificate2 certificate = TlsCertificates.CreateSelfSigned();
            var backend = new TcpTestBackend(new TcpTestBackendOptions { Port = 0, Mode = TcpBackendMode.Echo });
            backend.Start();
            var options = new TcpBalancerOptions { Port = 0, Tls = new ListenerTlsOptions(certificate) };
            options.HealthCheck.Interval = TimeSpan.Zero;
            options.Backends.Add(new BackendAddress("127.0.0.1", backend.Port));
            var balancer = new TcpBalancer(options);
            balancer.Start();
            using Socket socket = await TestNet.ConnectAsync(balancer.Port);
            using var tls = new SslStream(new NetworkStream(socket, false), false, (s, c, ch, e) => true);
            await tls.AuthenticateAsClientAsync("localhost");
            await tls.WriteAsync(Encoding.ASCII.GetBytes("ping"));
            var echoed = new byte[4];
            int got = 0;
            while (got < 4)
            {
                got += await tls.ReadAsync(echoed.AsMemory(got));
            }
            Assert.Equal("ping", Encoding.ASCII.GetString(echoed));

            Task stop = balancer.StopAsync();
            Assert.Same(stop, await Task.WhenAny(stop, Task.Delay(TestNet.Patience)));
            await backend.StopAsync();
            Exception? ended = await Record.ExceptionAsync(async () =>
            {
                int read = await tls.ReadAsync(new byte[1]);
                Assert.Equal(0, read);
            });
            Assert.True(ended == null || ended is IOException, ended?.ToString());
        }

        /// <summary>Counters are updated just after the client has seen its connection end: poll, with a deadline far above any delay.</summary>
        private static async Task Eventually(Func<bool> condition, string failure)
        {
            DateTime deadline = DateTime.UtcNow + TestNet.Patience;
            while (!condition())
            {
                Assert.True(DateTime.UtcNow < deadline, failure);
                await Task.Delay(20);
            }
        }

        /// <summary>Sends the payload over TLS (the server's certificate must have the thumbprint), half-closes, reads to the end.</summary>
        private static async Task<(byte[] Reply, SslStream Stream)> ExchangeAsync(int port, byte[] payload, string thumbprint)
        {
            Socket socket = await TestNet.ConnectAsync(port);
            var tls = new SslStream(new NetworkStream(socket, true), false, (s, c, ch, e) => c != null && new X509Certificate2(c).Thumbprint == thumbprint);
            await tls.AuthenticateAsClientAsync("localhost");
            Task send = Task.Run(async () =>
            {
                await tls.WriteAsync(payload);
                await tls.ShutdownAsync();
                socket.Shutdown(SocketShutdown.Send);
            });
            var reply = new MemoryStream();
            await tls.CopyToAsync(reply);
            await send;
            tls.Dispose();
            return (reply.ToArray(), tls);
        }
    }
}
