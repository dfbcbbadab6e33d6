using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using TcpLb.Engine.Balancing;

namespace TcpLb.Dashboard.Status
{
    /// <summary>
    /// A compact text table of every balancer's backends for a terminal that is watched: state,
    /// weight, open connections, connections and bytes per second since the previous frame, totals
    /// and failures. Each <see cref="Render"/> is one frame; rates need the frame before.
    /// </summary>
    public sealed class WatchTable
    {
        private readonly IBalancerCatalog _catalog;
        private Dictionary<string, Totals> _previous = new Dictionary<string, Totals>(StringComparer.Ordinal);
        private DateTime _previousTime;

        public WatchTable(IBalancerCatalog catalog)
        {
            _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        }

        /// <summary>The frame's lines: a header, then a line per backend (a balancer's first line names it), or a line that says there is nothing to show.</summary>
        public IReadOnlyList<string> Render(Func<string, bool>? includeBalancer = null)
        {
            DateTime now = DateTime.UtcNow;
            double seconds = _previousTime == default ? 0 : (now - _previousTime).TotalSeconds;
            var current = new Dictionary<string, Totals>(StringComparer.Ordinal);
            var rows = new List<string[]>();
            foreach (NamedBalancer named in _catalog.List())
            {
                if (includeBalancer != null && !includeBalancer(named.Name))
                {
                    continue;
                }
                bool first = true;
                foreach (Backend backend in named.Balancer.Backends)
                {
                    string key = named.Name + "\n" + backend.Address;
                    var totals = new Totals(backend.TotalConnections, backend.BytesToBackend.Bytes + backend.BytesFromBackend.Bytes);
                    current[key] = totals;
                    bool known = seconds > 0 && _previous.TryGetValue(key, out Totals before);
                    _previous.TryGetValue(key, out Totals earlier);
                    rows.Add(new[]
                    {
                        first ? Label(named) : "",
                        backend.Address.ToString(),
                        backend.State.ToString(),
                        backend.Weight.ToString(CultureInfo.InvariantCulture),
                        backend.ActiveConnections.ToString(CultureInfo.InvariantCulture),
                        known ? Rate(totals.Connections - earlier.Connections, seconds) : "-",
                        known ? Bytes((totals.Bytes - earlier.Bytes) / seconds) + "/s" : "-",
                        backend.TotalConnections.ToString(CultureInfo.InvariantCulture),
                        backend.Failures.ToString(CultureInfo.InvariantCulture),
                    });
                    first = false;
                }
            }
            _previous = current;
            _previousTime = now;
            if (rows.Count == 0)
            {
                return new[] { includeBalancer == null ? "No balancer is running in this process (Start-TcpBalancer starts one)." : "No running balancer of this process matches." };
            }
            return Layout(new[] { "Balancer", "Backend", "State", "Weight", "Active", "Conn/s", "Bytes/s", "Total", "Failures" }, rows);
        }

        private static string Label(NamedBalancer named)
        {
            string outage = named.Balancer.Outage == BalancerOutage.None ? "" : " (" + named.Balancer.Outage + ")";
            return named.Name + outage;
        }

        private static string Rate(long count, double seconds) => (Math.Max(0, count) / seconds).ToString("0.0", CultureInfo.InvariantCulture);

        private static string Bytes(double perSecond)
        {
            string[] units = { "B", "KiB", "MiB", "GiB" };
            int unit = 0;
            double value = Math.Max(0, perSecond);
            while (value >= 1024 && unit < units.Length - 1)
            {
                value /= 1024;
                unit++;
            }
            return value.ToString(unit == 0 ? "0" : "0.0", CultureInfo.InvariantCulture) + " " + units[unit];
        }

        /// <summary>Columns padded to their widest cell: the first two left-aligned, the numbers right-aligned.</summary>
        private static IReadOnlyList<string> Layout(string[] header, List<string[]> rows)
        {
            var widths = new int[header.Length];
            for (int c = 0; c < header.Length; c++)
            {
                widths[c] = header[c].Length;
                foreach (string[] row in rows)
                {
                    widths[c] = Math.Max(widths[c], row[c].Length);
                }
            }
            var lines = new List<string> { Line(header, widths), Line(Array.ConvertAll(widths, w => new string('-', w)), widths) };
            rows.ForEach(row => lines.Add(Line(row, widths)));
            return lines;
        }

        private static string Line(string[] cells, int[] widths)
        {
            var text = new StringBuilder();
            for (int c = 0; c < cells.Length; c++)
            {
                if (c > 0)
                {
                    text.Append(' ');
                }
                text.Append(c < 3 ? cells[c].PadRight(widths[c]) : cells[c].PadLeft(widths[c]));
            }
            return text.ToString().TrimEnd();
        }

        private readonly struct Totals
        {
            public Totals(long connections, long bytes)
            {
                Connections = connections;
                Bytes = bytes;
            }

            public long Connections { get; }

            public long Bytes { get; }
        }
    }
}
