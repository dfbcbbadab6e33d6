// LoopRelayHost: the engine's bare relay on its own epoll loops (src/TcpLb.Engine/Proxying/Loop),
// round robin over the given backends. Prints "READY port=<p> pid=<pid> loops=<n> mode=<m>" and
// runs until SIGTERM or SIGINT. Exit codes: 0 clean stop, 2 bad arguments, 3 start failed.
using System;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Threading;
using TcpLb.Engine.Net.EventLoop;
using TcpLb.Engine.Proxying.Loop;

namespace TcpLb.Bench;

internal static class Program
{
    private const string Usage =
        "usage: LoopRelayHost --port <port> --backend <host:port>[,<host:port>...] [--loops <n>] [--handoff | --layout <layout>] [--buffer <bytes>]\n" +
        "  --loops    loop threads (default: one per core)\n" +
        "  --handoff  one listener handing connections to the loops in turn (default: a SO_REUSEPORT listener per loop)\n" +
        "  --layout   reuseport, handoff or leastloaded (default: TCPLB_LOOP_LAYOUT, else reuseport)\n" +
        "  --buffer   bytes per relay buffer (default 65536)";

    private static int Main(string[] args)
    {
        var options = new LoopRelayOptions();
        int port = -1;
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string a = args[i];
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException("missing value after " + a);
                switch (a)
                {
                    case "--port": port = int.Parse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture); break;
                    case "--backend":
                        foreach (string b in Next().Split(',', StringSplitOptions.RemoveEmptyEntries))
                        {
                            options.Backends.Add(IPEndPoint.Parse(b));
                        }
                        break;
                    case "--loops": options.LoopCount = int.Parse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture); break;
                    case "--handoff": options.Layout = LoopLayout.HandOff; break;
                    case "--layout": options.Layout = LoopLayouts.Parse(Next()); break;
                    case "--buffer": options.BufferSize = int.Parse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture); break;
                    case "-h":
                    case "--help": Console.WriteLine(Usage); return 0;
                    default: throw new ArgumentException("unknown argument " + a);
                }
            }
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            Console.Error.WriteLine("LoopRelayHost: " + e.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }
        if (port < 0 || port > 65535 || options.Backends.Count == 0)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }
        options.ListenEndPoint = new IPEndPoint(IPAddress.Loopback, port);
        options.Timeouts = new RelayTimeouts(5000, 0, 0);
        options.Trace = new ConsoleTrace();

        using var stop = new ManualResetEventSlim();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Set(); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Set(); });
        LoopRelay relay;
        try
        {
            relay = new LoopRelay(options);
            relay.Start();
        }
        catch (Exception e)
        {
            Console.Error.WriteLine("LoopRelayHost: " + e.Message);
            return 3;
        }
        using (relay)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"READY port={relay.LocalEndPoint.Port} pid={Environment.ProcessId} loops={options.LoopCount} layout={options.Layout} buffer={options.BufferSize}"));
            Console.Out.Flush();
            stop.Wait();
        }
        return 0;
    }

    private sealed class ConsoleTrace : ILoopTrace
    {
        public void Faulted(string loop, Exception exception) => Console.Error.WriteLine($"{loop}: {exception}");

        public void AcceptPaused(string loop, int errno) => Console.Error.WriteLine($"{loop}: accept paused (errno {errno})");

        public void Packed(int active, int loops, string reason) => Console.Error.WriteLine($"{DateTime.Now:HH:mm:ss.fff} loops: {active} of {loops} take new connections ({reason})");
    }
}
