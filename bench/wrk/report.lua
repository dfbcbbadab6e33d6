-- wrk reporting hook for bench/run.sh: prints one machine-readable line after the human summary.
-- Latency figures are microseconds; errors are wrk's own counters
-- (connect/read/write/timeout socket errors; status = non-2xx/3xx responses).
done = function(summary, latency, requests)
   local e = summary.errors
   local secs = summary.duration / 1e6
   io.write(string.format(
      'WRKJSON {"requests":%d,"duration_s":%.3f,"bytes":%d,"rps":%.1f,' ..
      '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeout_errors":%d,"status_errors":%d,' ..
      '"lat_mean_us":%.1f,"lat_stdev_us":%.1f,"lat_p50_us":%d,"lat_p90_us":%d,"lat_p99_us":%d,"lat_p999_us":%d,"lat_max_us":%d}\n',
      summary.requests, secs, summary.bytes, summary.requests / secs,
      e.connect, e.read, e.write, e.timeout, e.status,
      latency.mean, latency.stdev,
      latency:percentile(50.0), latency:percentile(90.0), latency:percentile(99.0), latency:percentile(99.9),
      latency.max))
end
