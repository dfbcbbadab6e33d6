using System;
using System.Collections.Generic;
using System.Threading;
using TcpLb.Engine.Balancing;

namespace TcpLb.Dashboard.Status
{
    /// <summary>
    /// The last few minutes of every backend for the page's chart: a bounded ring of samples of
    /// each backend's connection total and state, taken on a timer from the engine's counters, and
    /// the state changes seen between samples.
    /// </summary>
    internal sealed class StatusHistory : IDisposable
    {
        private const int MaxEvents = 200;
        private readonly IBalancerCatalog _catalog;
        private readonly TimeSpan _interval;
        private readonly int _length;
        private readonly object _lock = new object();
        private readonly Queue<Sample> _samples = new Queue<Sample>();
        private readonly Queue<StateMark> _events = new Queue<StateMark>();
        private Sample? _last;
        private Timer? _timer;

        public StatusHistory(IBalancerCatalog catalog, TimeSpan interval, int length)
        {
            _catalog = catalog;
            _interval = interval;
            _length = length;
        }

        public TimeSpan Interval => _interval;

        public void Start()
        {
            TakeSample();
            _timer = new Timer(_ => TakeSample(), null, _interval, _interval);
        }

        /// <summary>The samples, oldest first, and the state changes, oldest first.</summary>
        public void Read(out Sample[] samples, out StateMark[] events)
        {
            lock (_lock)
            {
                samples = _samples.ToArray();
                events = _events.ToArray();
            }
        }

        public void Dispose() => _timer?.Dispose();

        internal void TakeSample()
        {
            var sample = new Sample(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            try
            {
                foreach (NamedBalancer named in _catalog.List())
                {
                    foreach (Backend backend in named.Balancer.Backends)
                    {
                        sample.Points[Key(named.Name, backend.Address.ToString())] = new Point(backend.TotalConnections, backend.State);
                    }
                }
            }
            catch (Exception)
            {
                // A catalog that failed to list (a job being removed): the next tick tries again.
                return;
            }
            lock (_lock)
            {
                if (_last != null)
                {
                    Sample previous = _last;
                    foreach (var point in sample.Points)
                    {
                        if (previous.Points.TryGetValue(point.Key, out Point before) && before.State != point.Value.State)
                        {
                            Split(point.Key, out string balancer, out string backend);
                            _events.Enqueue(new StateMark(sample.Time, balancer, backend, before.State, point.Value.State));
                            if (_events.Count > MaxEvents)
                            {
                                _events.Dequeue();
                            }
                        }
                    }
                }
                _samples.Enqueue(sample);
                _last = sample;
                while (_samples.Count > _length)
                {
                    _samples.Dequeue();
                }
            }
        }

        internal static string Key(string balancer, string backend) => balancer + "\n" + backend;

        internal static void Split(string key, out string balancer, out string backend)
        {
            int cut = key.LastIndexOf('\n');
            balancer = key.Substring(0, cut);
            backend = key.Substring(cut + 1);
        }

        internal sealed class Sample
        {
            public Sample(long time)
            {
                Time = time;
            }

            /// <summary>Unix milliseconds.</summary>
            public long Time { get; }

            public Dictionary<string, Point> Points { get; } = new Dictionary<string, Point>(StringComparer.Ordinal);
        }

        internal readonly struct Point
        {
            public Point(long total, BackendState state)
            {
                Total = total;
                State = state;
            }

            public long Total { get; }

            public BackendState State { get; }
        }

        internal sealed class StateMark
        {
            public StateMark(long time, string balancer, string backend, BackendState from, BackendState to)
            {
                Time = time;
                Balancer = balancer;
                Backend = backend;
                From = from;
                To = to;
            }

            public long Time { get; }

            public string Balancer { get; }

            public string Backend { get; }

            public BackendState From { get; }

            public BackendState To { get; }
        }
    }
}
