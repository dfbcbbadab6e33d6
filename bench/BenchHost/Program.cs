// BenchHost: starts the TcpLbModule balancer exactly as a user script does
//
//     Import-Module <repo>/module/TcpLbModule.psd1
//     $lb = Start-TcpBalancer -Port <p> -Backend <b1>,<b2>,<b3>
//
// inside a hosted PowerShell 7.6 engine (PowerShell.Create(InitialSessionState.CreateDefault2())),
// prints one line "READY port=<bound port> pid=<pid> ..." on stdout, then waits until stdin
// closes or SIGTERM/SIGINT arrives, then runs Stop-Job / Remove-Job and exits.
//
// Exit codes: 0 clean stop, 2 bad arguments, 3 the start script failed,
//             4 the balancer job ended on its own while we were waiting.
//
// A hosted engine has only the core cmdlets (no Select-Object, no Write-Host), so everything
// beyond Import-Module / Start-TcpBalancer / Stop-Job / Remove-Job is done in C#.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Runtime.InteropServices;
using System.Threading;

namespace TcpLb.Bench;

internal static class Program
{
    private const string Usage =
        "usage: BenchHost --module <path/TcpLbModule.psd1> --port <port> --backend <b1>[,<b2>...]\n" +
        "                 [--no-stdin] [--extra \"<extra Start-TcpBalancer parameters>\"]\n" +
        "  --no-stdin  do not treat end of stdin as the stop signal (wait for SIGTERM/SIGINT only)";

    private static int Main(string[] args)
    {
        string? module = null;
        string? backends = null;
        string extra = string.Empty;
        int port = -1;
        bool watchStdin = true;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException("missing value after " + a);
            try
            {
                switch (a)
                {
                    case "--module": module = Next(); break;
                    case "--port": port = int.Parse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture); break;
                    case "--backend": backends = Next(); break;
                    case "--extra": extra = Next(); break;
                    case "--no-stdin": watchStdin = false; break;
                    case "-h":
                    case "--help": Console.WriteLine(Usage); return 0;
                    default: throw new ArgumentException("unknown argument " + a);
                }
            }
            catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
            {
                Console.Error.WriteLine("BenchHost: " + e.Message);
                Console.Error.WriteLine(Usage);
                return 2;
            }
        }
        if (module is null || backends is null || port < 0 || port > 65535)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }
        if (!File.Exists(module))
        {
            Console.Error.WriteLine("BenchHost: module manifest not found: " + module);
            return 2;
        }

        // The user's two lines, verbatim shape. Backends are "port" or "host:port" tokens joined by commas.
        string script =
            "Import-Module '" + module.Replace("'", "''") + "'\n" +
            "$lb = Start-TcpBalancer -Port " + port.ToString(CultureInfo.InvariantCulture) +
            " -Backend " + backends + (extra.Length > 0 ? " " + extra : string.Empty) + "\n" +
            "$lb\n";
        Console.Error.WriteLine("BenchHost: running script:\n" + script.TrimEnd());

        // Keep the hosted engine off the network (the bench is loopback only): no telemetry, no update check.
        Environment.SetEnvironmentVariable("POWERSHELL_TELEMETRY_OPTOUT", "1");
        Environment.SetEnvironmentVariable("POWERSHELL_UPDATECHECK", "Off");

        var iss = InitialSessionState.CreateDefault2();
        using PowerShell ps = PowerShell.Create(iss);
        Collection<PSObject> output;
        try
        {
            ps.AddScript(script);
            output = ps.Invoke();
        }
        catch (Exception e)
        {
            Console.Error.WriteLine("BenchHost: start failed: " + e);
            return 3;
        }
        if (ps.HadErrors || output.Count == 0)
        {
            foreach (ErrorRecord err in ps.Streams.Error)
            {
                Console.Error.WriteLine("BenchHost: error: " + err);
            }
            if (output.Count == 0)
            {
                Console.Error.WriteLine("BenchHost: Start-TcpBalancer returned nothing");
            }
            return 3;
        }

        PSObject lbObject = output[output.Count - 1];
        Job? job = lbObject.BaseObject as Job;
        int boundPort = port;
        object? portValue = lbObject.Properties["Port"]?.Value;
        if (portValue is not null)
        {
            try { boundPort = Convert.ToInt32(portValue, CultureInfo.InvariantCulture); }
            catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException) { }
        }

        Console.Out.WriteLine(string.Format(
            CultureInfo.InvariantCulture,
            "READY port={0} pid={1} job={2} state={3} type={4}",
            boundPort, Environment.ProcessId, job?.Id, job?.JobStateInfo.State, lbObject.BaseObject.GetType().FullName));
        Console.Out.Flush();

        using var stop = new ManualResetEventSlim(false);
        string reason = "unknown";
        void Stop(string why)
        {
            Interlocked.CompareExchange(ref reason, why, "unknown");
            stop.Set();
        }
        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; Stop("SIGTERM"); });
        using PosixSignalRegistration intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; Stop("SIGINT"); });
        if (watchStdin)
        {
            // stdin carries commands, one per line: "stats" prints a STATS line (runtime counters,
            // for the bench's per-scenario deltas). End of stdin is the stop signal.
            var stdinWatcher = new Thread(() =>
            {
                try
                {
                    using var reader = new StreamReader(Console.OpenStandardInput());
                    string? line;
                    while ((line = reader.ReadLine()) is not null)
                    {
                        if (line.Trim() == "stats")
                        {
                            Console.Out.WriteLine("STATS " + RuntimeStats(lbObject));
                            Console.Out.Flush();
                        }
                    }
                }
                catch (IOException)
                {
                }
                Stop("stdin closed");
            })
            { IsBackground = true, Name = "stdin-watcher" };
            stdinWatcher.Start();
        }

        int exitCode = 0;
        while (!stop.Wait(500))
        {
            if (job is not null && IsFinished(job.JobStateInfo.State))
            {
                Console.Error.WriteLine("BenchHost: balancer job ended on its own: " + job.JobStateInfo.State +
                                        (job.JobStateInfo.Reason is null ? string.Empty : " (" + job.JobStateInfo.Reason.Message + ")"));
                exitCode = 4;
                Stop("job ended");
            }
        }

        Console.Error.WriteLine("BenchHost: stopping (" + reason + ")");
        DumpJob(lbObject, job);
        try
        {
            ps.Commands.Clear();
            ps.Streams.Error.Clear();
            ps.AddScript("$lb | Stop-Job\n$lb | Remove-Job -Force\n");
            ps.Invoke();
            foreach (ErrorRecord err in ps.Streams.Error)
            {
                Console.Error.WriteLine("BenchHost: stop error: " + err);
            }
        }
        catch (Exception e)
        {
            Console.Error.WriteLine("BenchHost: stop failed: " + e.Message);
            exitCode = exitCode == 0 ? 5 : exitCode;
        }
        Console.Out.WriteLine("STOPPED reason=" + reason.Replace(' ', '_') + " exit=" + exitCode.ToString(CultureInfo.InvariantCulture));
        Console.Out.Flush();
        return exitCode;
    }

    // One JSON object: process-wide runtime counters plus the job's own counters where it has them.
    private static string RuntimeStats(PSObject lbObject)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new System.Text.StringBuilder();
        sb.Append('{');
        void Num(string name, double value) =>
            sb.Append('"').Append(name).Append("\":").Append(value.ToString("0.###", inv)).Append(',');
        Num("time_ms", Environment.TickCount64);
        Num("alloc_bytes", GC.GetTotalAllocatedBytes(false));
        Num("gc0", GC.CollectionCount(0));
        Num("gc1", GC.CollectionCount(1));
        Num("gc2", GC.CollectionCount(2));
        Num("gc_pause_ms", GC.GetTotalPauseDuration().TotalMilliseconds);
        Num("gc_heap_bytes", GC.GetGCMemoryInfo().HeapSizeBytes);
        Num("tp_threads", ThreadPool.ThreadCount);
        Num("tp_completed", ThreadPool.CompletedWorkItemCount);
        Num("tp_pending", ThreadPool.PendingWorkItemCount);
        Num("lock_contention", Monitor.LockContentionCount);
        Num("timers", Timer.ActiveCount);
        Num("working_set", Environment.WorkingSet);
        foreach (string name in new[] { "Accepted", "Active", "Failed", "Rejected", "Retried", "BytesFromClients", "BytesFromBackends" })
        {
            object? v = null;
            try { v = lbObject.Properties[name]?.Value; }
            catch (Exception e) when (e is GetValueException or ExtendedTypeSystemException) { }
            if (v is IConvertible c)
            {
                try { Num("job_" + name, c.ToDouble(inv)); }
                catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException) { }
            }
        }
        sb.Length--;
        sb.Append('}');
        return sb.ToString();
    }

    private static bool IsFinished(JobState state) =>
        state is JobState.Completed or JobState.Failed or JobState.Stopped;

    // Diagnostics for the bench log: the job's simple properties and the first few error records.
    private static void DumpJob(PSObject lbObject, Job? job)
    {
        var lines = new List<string>();
        foreach (PSPropertyInfo p in lbObject.Properties)
        {
            object? v;
            try { v = p.Value; }
            catch (Exception e) when (e is GetValueException or ExtendedTypeSystemException) { continue; }
            if (v is null || v is IEnumerable && v is not string || v is PSDataCollection<PSObject>)
            {
                continue;
            }
            lines.Add("  " + p.Name + " = " + Convert.ToString(v, CultureInfo.InvariantCulture));
        }
        Console.Error.WriteLine("BenchHost: job properties at stop:\n" + string.Join("\n", lines));
        if (job is not null)
        {
            int shown = 0;
            foreach (Job j in AllJobs(job))
            {
                foreach (ErrorRecord err in j.Error.ReadAll())
                {
                    if (shown++ < 5)
                    {
                        Console.Error.WriteLine("BenchHost: job error: " + err);
                    }
                }
            }
            Console.Error.WriteLine("BenchHost: job error records: " + shown.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static IEnumerable<Job> AllJobs(Job job)
    {
        yield return job;
        foreach (Job child in job.ChildJobs)
        {
            foreach (Job j in AllJobs(child))
            {
                yield return j;
            }
        }
    }
}
