// IdleConns: the "10,000 idle connections" memory probe of bench/run.sh.
//
//  1. sums VmRSS (/proc/<pid>/status) over the given proxy pids            -> rss_before_kb
//  2. opens --count TCP connections to --host:--port (bounded concurrency)
//  3. waits until the proxy has opened its side towards the backends (counts ESTABLISHED
//     sockets in /proc/net/tcp{,6} whose remote port is one of --backend-ports), then holds
//     the connections for --hold seconds and sums VmRSS again              -> rss_after_kb
//  4. checks every held connection is still open (no EOF / reset)          -> dropped
//  5. closes them all and prints one JSON object on stdout.
//
// Everything is bounded: --deadline seconds caps the whole run; connect attempts time out.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace TcpLb.Bench.IdleConns;

internal static class Program
{
    private const string Usage =
        "usage: IdleConns --port <p> [--host 127.0.0.1] [--count 10000] [--pids <pid>[,<pid>...]]\n" +
        "                 [--backend-ports <p>[,<p>...]] [--hold 3] [--concurrency 128] [--deadline 90]";

    private static async Task<int> Main(string[] args)
    {
        string host = "127.0.0.1";
        int port = -1, count = 10000, concurrency = 128;
        double hold = 3, deadlineSeconds = 90;
        int[] pids = Array.Empty<int>();
        int[] backendPorts = Array.Empty<int>();
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string a = args[i];
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException("missing value after " + a);
                switch (a)
                {
                    case "--host": host = Next(); break;
                    case "--port": port = ParseInt(Next()); break;
                    case "--count": count = ParseInt(Next()); break;
                    case "--concurrency": concurrency = ParseInt(Next()); break;
                    case "--hold": hold = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--deadline": deadlineSeconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--pids": pids = ParseList(Next()); break;
                    case "--backend-ports": backendPorts = ParseList(Next()); break;
                    default: throw new ArgumentException("unknown argument " + a);
                }
            }
            if (port <= 0 || port > 65535 || count <= 0 || concurrency <= 0)
            {
                throw new ArgumentException("bad --port/--count/--concurrency");
            }
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            Console.Error.WriteLine("IdleConns: " + e.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(deadlineSeconds));
        var endpoint = new IPEndPoint(IPAddress.Parse(host), port);
        var sockets = new Socket?[count];
        int failed = 0;
        string? firstError = null;

        long rssBefore = SumRss(pids);
        int backendBefore = CountEstablishedTo(backendPorts);
        var sw = Stopwatch.StartNew();

        using (var gate = new SemaphoreSlim(concurrency))
        {
            var tasks = new List<Task>(count);
            for (int i = 0; i < count; i++)
            {
                int index = i;
                try
                {
                    await gate.WaitAsync(deadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Add(ref failed, count - i);
                    firstError ??= "deadline reached while opening";
                    break;
                }
                tasks.Add(Task.Run(async () =>
                {
                    var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    try
                    {
                        using var perConnect = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
                        perConnect.CancelAfter(TimeSpan.FromSeconds(10));
                        await s.ConnectAsync(endpoint, perConnect.Token).ConfigureAwait(false);
                        sockets[index] = s;
                    }
                    catch (Exception e) when (e is SocketException or OperationCanceledException)
                    {
                        Interlocked.Increment(ref failed);
                        Interlocked.CompareExchange(ref firstError, e.GetType().Name + ": " + e.Message, null);
                        s.Dispose();
                    }
                    finally
                    {
                        gate.Release();
                    }
                }));
            }
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        double openSeconds = sw.Elapsed.TotalSeconds;
        int opened = sockets.Count(s => s is not null);

        // Wait (bounded) until the proxy has connected its side to the backends.
        int backendConns = CountEstablishedTo(backendPorts) - backendBefore;
        var settle = Stopwatch.StartNew();
        while (backendPorts.Length > 0 && backendConns < opened && settle.Elapsed.TotalSeconds < 15 && !deadline.IsCancellationRequested)
        {
            Thread.Sleep(200);
            backendConns = CountEstablishedTo(backendPorts) - backendBefore;
        }
        double settleSeconds = settle.Elapsed.TotalSeconds;

        // Hold, sampling RSS; the figure reported is the last sample (end of hold), the max is kept too.
        long rssAfter = 0, rssMaxHeld = 0;
        var holdWatch = Stopwatch.StartNew();
        do
        {
            Thread.Sleep(250);
            rssAfter = SumRss(pids);
            rssMaxHeld = Math.Max(rssMaxHeld, rssAfter);
        }
        while (holdWatch.Elapsed.TotalSeconds < hold && !deadline.IsCancellationRequested);

        // Every held connection must still be open: readable with 0 bytes available means EOF/reset.
        int dropped = 0;
        foreach (Socket? s in sockets)
        {
            if (s is null)
            {
                continue;
            }
            try
            {
                if (s.Poll(0, SelectMode.SelectRead) && s.Available == 0)
                {
                    dropped++;
                }
            }
            catch (SocketException)
            {
                dropped++;
            }
        }
        int backendHeld = CountEstablishedTo(backendPorts) - backendBefore;

        foreach (Socket? s in sockets)
        {
            s?.Dispose();
        }
        Thread.Sleep(1000);
        long rssClosed = SumRss(pids);

        var json = new StringBuilder();
        json.Append('{');
        Field(json, "target", host + ":" + port.ToString(CultureInfo.InvariantCulture)); json.Append(',');
        Field(json, "requested", count); json.Append(',');
        Field(json, "opened", opened); json.Append(',');
        Field(json, "connect_failed", failed); json.Append(',');
        Field(json, "dropped", dropped); json.Append(',');
        Field(json, "errors", failed + dropped); json.Append(',');
        Field(json, "backend_conns", backendConns); json.Append(',');
        Field(json, "backend_conns_end_of_hold", backendHeld); json.Append(',');
        Field(json, "open_seconds", Math.Round(openSeconds, 3)); json.Append(',');
        Field(json, "settle_seconds", Math.Round(settleSeconds, 3)); json.Append(',');
        Field(json, "rss_before_kb", rssBefore); json.Append(',');
        Field(json, "rss_after_kb", rssAfter); json.Append(',');
        Field(json, "rss_max_held_kb", rssMaxHeld); json.Append(',');
        Field(json, "rss_closed_kb", rssClosed); json.Append(',');
        Field(json, "delta_kb", rssAfter - rssBefore); json.Append(',');
        Field(json, "first_error", firstError);
        json.Append('}');
        Console.Out.WriteLine(json.ToString());
        return 0;
    }

    private static int ParseInt(string s) => int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static int[] ParseList(string s) =>
        s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseInt).ToArray();

    private static long SumRss(int[] pids)
    {
        long total = 0;
        foreach (int pid in pids)
        {
            try
            {
                foreach (string line in File.ReadLines("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/status"))
                {
                    if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    {
                        string[] parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                        total += long.Parse(parts[1], CultureInfo.InvariantCulture);
                        break;
                    }
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return total;
    }

    // ESTABLISHED (st == 01) sockets whose remote port is one of the backend ports.
    private static int CountEstablishedTo(int[] ports)
    {
        if (ports.Length == 0)
        {
            return 0;
        }
        var set = new HashSet<int>(ports);
        int n = 0;
        foreach (string file in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            IEnumerable<string> lines;
            try { lines = File.ReadLines(file).Skip(1); }
            catch (IOException) { continue; }
            foreach (string line in lines)
            {
                // "  sl  local_address rem_address   st ..."  e.g. "0: 0100007F:1F90 0100007F:C350 01 ..."
                string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length < 4 || f[3] != "01")
                {
                    continue;
                }
                int colon = f[2].LastIndexOf(':');
                if (colon < 0)
                {
                    continue;
                }
                if (int.TryParse(f[2].AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int remPort) && set.Contains(remPort))
                {
                    n++;
                }
            }
        }
        return n;
    }

    private static void Field(StringBuilder sb, string name, object? value)
    {
        sb.Append('"').Append(name).Append("\":");
        switch (value)
        {
            case null: sb.Append("null"); break;
            case string s: sb.Append('"').Append(Escape(s)).Append('"'); break;
            case double d: sb.Append(d.ToString("0.###", CultureInfo.InvariantCulture)); break;
            case IFormattable f: sb.Append(f.ToString(null, CultureInfo.InvariantCulture)); break;
            default: sb.Append('"').Append(Escape(value.ToString() ?? string.Empty)).Append('"'); break;
        }
    }

    private static string Escape(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                default:
                    if (c < ' ') sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.ToString();
    }
}
