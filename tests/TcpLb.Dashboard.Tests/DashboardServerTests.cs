using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using TcpLb.Engine.Probing;

namespace TcpLb.Dashboard.Tests
{
    public sealed class DashboardServerTests : IClassFixture<DashboardFixture>
    {
        private readonly DashboardFixture _fixture;

        public DashboardServerTests(DashboardFixture fixture) => _fixture = fixture;

        [Fact]
        public async Task Metrics_count_what_the_balancer_counted_with_its_labels()
        {
            await TcpProbe.RunAsync(new TcpProbeOptions { Port = _fixture.Web.Port, Count = 4 }, _ => { });
            string text = await _fixture.Http.GetStringAsync("metrics");
            long accepted = _fixture.Web.Statistics.Accepted;
            Assert.Contains($"tcplb_balancer_connections_accepted_total{{balancer=\"web\"}} {accepted}\n", text);
            Assert.Contains($"tcplb_backend_state{{balancer=\"web\",backend=\"127.0.0.1:{_fixture.First.Port}\",state=\"Up\"}} 1\n", text);
            Assert.Contains("# TYPE tcplb_backend_connections_total counter\n", text);
            // Each family's HELP and TYPE come once, before its series.
            Assert.Equal(1, text.Split('\n').Count(line => line == "# TYPE tcplb_backend_state gauge"));
        }

        [Fact]
        public async Task Status_lists_every_backend_of_every_balancer()
        {
            using JsonDocument status = JsonDocument.Parse(await _fixture.Http.GetStringAsync("api/status"));
            JsonElement web = status.RootElement.GetProperty("balancers")[0];
            Assert.Equal("web", web.GetProperty("name").GetString());
            Assert.Equal(new[] { $"127.0.0.1:{_fixture.First.Port}", $"127.0.0.1:{_fixture.Second.Port}" },
                web.GetProperty("backends").EnumerateArray().Select(b => b.GetProperty("address").GetString()).ToArray());
            Assert.True(status.RootElement.GetProperty("toxiproxyApi").GetBoolean());
        }

        [Theory]
        [InlineData("GET", "/nowhere", 404, "Nothing at /nowhere")]
        [InlineData("DELETE", "/metrics", 405, "DELETE is not allowed on /metrics")]
        [InlineData("GET", "/proxies/none", 404, "proxy not found: none")]
        [InlineData("PUT", "/reset", 405, "PUT is not allowed on /reset")]
        public async Task Bad_requests_get_an_error_that_says_why(string method, string path, int status, string why)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path.TrimStart('/'));
            using HttpResponseMessage response = await _fixture.Http.SendAsync(request);
            Assert.Equal(status, (int)response.StatusCode);
            Assert.Contains(why, await response.Content.ReadAsStringAsync());
            Assert.DoesNotContain(response.Headers, h => h.Key.StartsWith("Access-Control-"));
        }

        [Fact]
        public async Task A_toxic_made_through_the_API_is_the_balancers_toxic_in_toxiproxys_units()
        {
            using var body = new StringContent("{\"name\":\"slice\",\"type\":\"slicer\",\"stream\":\"upstream\",\"attributes\":{\"average_size\":64,\"size_variation\":8,\"delay\":1500}}", Encoding.UTF8, "application/json");
            using HttpResponseMessage created = await _fixture.Http.PostAsync("proxies/web/toxics", body);
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
            try
            {
                var toxic = _fixture.Web.FindToxic("slice")!;
                Assert.Equal(64, toxic.Definition.AverageSize);
                Assert.Equal(1.5, toxic.Definition.Delay.TotalMilliseconds, 3);
                using JsonDocument answer = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
                Assert.Equal(1500, answer.RootElement.GetProperty("attributes").GetProperty("delay").GetInt64());
                Assert.Equal("upstream", answer.RootElement.GetProperty("stream").GetString());
            }
            finally
            {
                (await _fixture.Http.DeleteAsync("proxies/web/toxics/slice")).Dispose();
            }
            Assert.Null(_fixture.Web.FindToxic("slice"));
        }

        [Fact]
        public async Task A_request_for_another_host_name_is_refused_on_loopback()
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "api/status");
            request.Headers.Host = "rebound.example:" + _fixture.Server.LocalEndPoint!.Port;
            using HttpResponseMessage response = await _fixture.Http.SendAsync(request);
            // The listener itself answers 404 to a Host it has no prefix for; the dashboard 403 where one gets through.
            Assert.Contains(response.StatusCode, new[] { HttpStatusCode.NotFound, HttpStatusCode.Forbidden });
            Assert.DoesNotContain("balancers", await response.Content.ReadAsStringAsync());
        }

        [Fact]
        public async Task Localhost_names_the_dashboard_too()
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "api/status");
            request.Headers.Host = "localhost:" + _fixture.Server.LocalEndPoint!.Port;
            using HttpResponseMessage response = await _fixture.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        [Fact]
        public async Task A_cross_origin_request_is_refused()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "reset");
            request.Headers.Add("Origin", "http://elsewhere.example");
            using HttpResponseMessage response = await _fixture.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }
    }
}
