# shellcheck shell=bash
# Pid lists ("$INST_PIDS") are split into words on purpose; globals are shared across the lib files.
# shellcheck disable=SC2086,SC2034
# bench/lib/report.sh — assemble results JSON, print the table and the PASS/MISS targets.

# collect_results <out.json>: merges $RUN_DIR/<contender>.<scenario>.json into one document.
collect_results() {
    local out=$1 c s f obj='{}'
    for c in $CONTENDERS; do
        for s in keepalive close idle bulk1 bulk4 instance; do
            f="$RUN_DIR/$c.$s.json"
            [[ -s "$f" ]] || continue
            obj=$(jq -c --arg c "$c" --arg s "$s" --slurpfile v "$f" '.[$c][$s] = $v[0]' <<<"$obj")
        done
    done
    jq -n \
        --argjson contenders "$obj" \
        --arg started "$STARTED_AT" --arg finished "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
        --argjson elapsed "$(($(date +%s) - STARTED_EPOCH))" \
        --argjson quick "$QUICK" --arg order "$CONTENDERS" \
        --arg kernel "$(uname -r)" --argjson cpus "$(nproc)" \
        --arg autogroup "$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null)" \
        --argjson mem "$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)" \
        --arg haproxy "$(haproxy -v 2>/dev/null | head -n1)" \
        --arg nginx "$(nginx -v 2>&1 | head -n1)" \
        --arg wrk "$(wrk -v 2>&1 | head -n1)" \
        --arg iperf3 "$(iperf3 -v 2>/dev/null | head -n1)" \
        --arg dotnet "$(dotnet --version 2>/dev/null)" \
        --arg commit "$(cat "$RUN_DIR/commit" 2>/dev/null)" \
        --arg busy_before "$(cat "$RUN_DIR/busy_before" 2>/dev/null)" --arg busy_after "$(cat "$RUN_DIR/busy_after" 2>/dev/null)" \
        --argjson wt "$WRK_THREADS" --argjson wc "$WRK_CONNS" --argjson ws "$WRK_SECONDS" \
        --argjson wu "$WARMUP_SECONDS" --argjson is "$IPERF_SECONDS" \
        --argjson rounds "$ROUNDS" --argjson brounds "$BULK_ROUNDS" \
        --argjson ic "$IDLE_COUNT" --argjson ie "$IDLE_EFFECTIVE" --argjson ih "$IDLE_HOLD" \
        --argjson nofile "$NOFILE" --argjson maxconn "$PROXY_MAXCONN" \
        --arg base "$BASE_PORT" --arg tcplb_env "$TCPLB_ENV" --arg tcplb_extra "$TCPLB_EXTRA" \
        --argjson tcplb_variants "$(for c in $CONTENDERS; do [[ $c == *@* ]] && jq -n --arg c "$c" --arg e "$(variant_env "$c")" '{($c): $e}'; done | jq -s 'add // {}')" \
        --arg pwsh_version "${PWSH_VERSION:-}" --arg pwsh_dll "${PWSH_DLL:-}" '
      def r(x; y): if x == null or y == null or y == 0 then null else (x / y * 1000 | round / 1000) end;
      def metrics(c):
        {ka_rps: c.keepalive.rps, ka_p50_us: c.keepalive.lat_p50_us, ka_p99_us: c.keepalive.lat_p99_us,
         close_rps: c.close.rps, close_p99_us: c.close.lat_p99_us,
         bulk1_gbps: c.bulk1.gbps, bulk4_gbps: c.bulk4.gbps, idle_delta_kb: c.idle.delta_kb_scaled};
      def lower_better: ["ka_p50_us", "ka_p99_us", "close_p99_us", "idle_delta_kb"];
      # best($m; names): per metric, the better of the named contenders that ran (null if none ran);
      # best_from($m; names; ref): which of them each metric of best() came from.
      def best($m; names):
        ([names[] as $n | $m[$n]] | map(select(. != null))) as $hs
        | if ($hs | length) == 0 then null else
            reduce ($hs[0] | keys[]) as $k ({};
              ([$hs[] | .[$k]] | map(select(. != null))) as $v
              | .[$k] = (if ($v | length) == 0 then null elif (lower_better | index($k)) then ($v | min) else ($v | max) end))
          end;
      def best_from($m; names; ref):
        if ref == null then null else (ref | with_entries(.key as $k | .value as $v
            | .value = ([names[] | select($m[.] != null and $m[.][$k] == $v and $v != null)] | first // null))) end;
      # Rows in a session of their own (started with setsid): compared also with HAProxy there.
      def own_session: test("-setsid($|@)");
      ($contenders | with_entries(.value = metrics(.value))) as $m
      # The reference: per metric, the better of HAProxy nbthread 1 and nbthread 2 (whichever ran).
      | best($m; ["haproxy", "haproxy2"]) as $ref
      | best_from($m; ["haproxy", "haproxy2"]; $ref) as $refsrc
      # The placement-matched reference: the same, of HAProxy started with setsid.
      | best($m; ["haproxy-setsid", "haproxy2-setsid"]) as $ref_own
      | best_from($m; ["haproxy-setsid", "haproxy2-setsid"]; $ref_own) as $refsrc_own
      | {
        schema: "tcplb-bench/2",
        started_at: $started, finished_at: $finished, elapsed_s: $elapsed, quick: $quick,
        commit: (if $commit == "" then null else $commit end),
        machine: {kernel: $kernel, cpus: $cpus, mem_total_kb: $mem, sched_autogroup: ($autogroup | tonumber? // null),
                  busy_pct_before: ($busy_before | tonumber? // null), busy_pct_after: ($busy_after | tonumber? // null),
                  versions: {haproxy: $haproxy, nginx: $nginx, wrk: $wrk, iperf3: $iperf3, dotnet_sdk: $dotnet}},
        settings: {contenders: ($order | split(" ")), base_port: ($base | tonumber),
                   wrk: {threads: $wt, connections: $wc, seconds: $ws, rounds: $rounds, warmup_seconds: $wu, timeout_s: 2},
                   iperf3: {seconds: $is, rounds: $brounds, streams: [1, 4],
                            note: "bulk runs through a separate single-backend instance of every proxy (iperf3 needs control and data connections on one server)"},
                   idle: {connections: $ic, held: $ie, hold_s: $ih,
                         note: (if $ie < $ic then "open-file limit \($nofile) allows \($ie) proxied connections (2 fds each); memory also reported scaled to \($ic)" else null end)},
                   ulimit_nofile: $nofile, haproxy_maxconn: $maxconn,
                   pinning: "none (no contender is pinned)",
                   tcplb: "module in a real pwsh \($pwsh_version) (dotnet \($pwsh_dll) -NoProfile -Command ... | Wait-Job)",
                   tcplb_env: (if $tcplb_env == "" then null else $tcplb_env end),
                   tcplb_extra: (if $tcplb_extra == "" then null else $tcplb_extra end),
                   tcplb_variants: (if $tcplb_variants == {} then null else $tcplb_variants end),
                   backends: "one nginx (worker_processes 1) with three HTTP listen ports; three iperf3 servers, bulk uses the first"},
        contenders: $contenders,
        reference: {note: "per metric, the better of haproxy (nbthread 1) and haproxy2 (nbthread 2)", values: $ref, from: $refsrc},
        reference_own_session: {note: "per metric, the better of haproxy-setsid (nbthread 1) and haproxy2-setsid (nbthread 2), both started with setsid in a session of their own; the reference of vs_haproxy_own_session and targets_own_session",
                                values: $ref_own, from: $refsrc_own},
        ratios: ($m | with_entries(.key as $k | .value as $v | .value = {
            vs_haproxy: (if $ref then ($v | with_entries(.key as $mk | .value = r(.value; $ref[$mk]))) else null end),
            vs_direct:  (if $m.direct  then ($v | with_entries(.key as $mk | .value = r(.value; $m.direct[$mk])))  else null end),
            vs_haproxy_own_session: (if $ref_own and ($k | own_session) then ($v | with_entries(.key as $mk | .value = r(.value; $ref_own[$mk]))) else null end)
        }))
      }
      # targets($t; $h): the targets of contender results $t against reference values $h
      | def targets($t; $h):
          if ($t == null or $h == null) then []
          else
            def tgt(id; desc; value; threshold; pass): {id: id, description: desc, value: value, threshold: threshold, pass: pass};
            def ge(a; b): a != null and b != null and a >= b;
            def le(a; b): a != null and b != null and a <= b;
            [
              tgt("keepalive_rps"; "keep-alive requests/s >= 1.10x HAProxy";
                  r($t.keepalive.rps; $h.ka_rps); 1.10; ge(r($t.keepalive.rps; $h.ka_rps); 1.10)),
              tgt("close_rps"; "new connections/s >= 1.10x HAProxy";
                  r($t.close.rps; $h.close_rps); 1.10; ge(r($t.close.rps; $h.close_rps); 1.10)),
              tgt("keepalive_p99"; "keep-alive p99 latency <= HAProxy (ratio <= 1.00)";
                  r($t.keepalive.lat_p99_us; $h.ka_p99_us); 1.00; le($t.keepalive.lat_p99_us; $h.ka_p99_us)),
              tgt("close_p99"; "new-connection p99 latency <= HAProxy (ratio <= 1.00)";
                  r($t.close.lat_p99_us; $h.close_p99_us); 1.00; le($t.close.lat_p99_us; $h.close_p99_us)),
              tgt("bulk1"; "bulk 1 stream >= 0.90x HAProxy";
                  r($t.bulk1.gbps; $h.bulk1_gbps); 0.90; ge(r($t.bulk1.gbps; $h.bulk1_gbps); 0.90)),
              tgt("bulk4"; "bulk 4 streams >= 0.90x HAProxy";
                  r($t.bulk4.gbps; $h.bulk4_gbps); 0.90; ge(r($t.bulk4.gbps; $h.bulk4_gbps); 0.90)),
              tgt("idle_memory"; "10,000 idle proxied connections < 64 MiB over idle footprint (MiB)";
                  $t.idle.delta_mib_scaled; 64;
                  ($t.idle.delta_kb_scaled != null and $t.idle.delta_kb_scaled < 65536 and $t.idle.opened == $t.idle.requested
                   and ($t.idle.backend_conns // 0) >= $t.idle.opened)),
              tgt("zero_errors"; "zero errors in every scenario (wrk socket/non-2xx, iperf3, idle opens)";
                  ([$t.keepalive.errors, $t.close.errors, $t.bulk1.errors, $t.bulk4.errors, $t.idle.errors] | map(. // 1) | add);
                  0;
                  ([$t.keepalive.errors, $t.close.errors, $t.bulk1.errors, $t.bulk4.errors, $t.idle.errors] | map(. // 1) | add) == 0)
            ]
          end;
        . as $doc
      | .targets = targets($doc.contenders.tcplb; $doc.reference.values)
      | .all_targets_pass = (if (.targets | length) == 0 then null else (.targets | all(.pass)) end)
      # The same targets for tcplb-setsid against the placement-matched reference (HAProxy with setsid).
      | .targets_own_session = targets($doc.contenders["tcplb-setsid"]; $doc.reference_own_session.values)
      | .all_targets_own_session_pass = (if (.targets_own_session | length) == 0 then null else (.targets_own_session | all(.pass)) end)
      | .other_contender_errors = ([.contenders | to_entries[] | select(.key | startswith("tcplb") | not)
            | {key, value: ([.value.keepalive.errors, .value.close.errors, .value.bulk1.errors, .value.bulk4.errors, .value.idle.errors]
                            | map(. // 0) | add)}] | from_entries)
      ' >"$out"
}

# print_targets <results.json> <targets key> <reference key> <all-pass key> <overall label>:
# the reference's sources, one PASS/MISS line per target, the overall line
print_targets() {
    local res=$1 t=$2 ref=$3 all=$4 head=$5
    jq -r --arg ref "$ref" '"reference per metric: " + ([.[$ref].from | to_entries[] | select(.value != null) | "\(.key)=\(.value)"] | join(" "))' "$res"
    jq -r --arg t "$t" '.[$t][] | [(if .pass then "PASS" else "MISS" end), .description,
           ("value " + (.value | if . == null then "n/a" else tostring end)), ("target " + (.threshold | tostring))] | @tsv' "$res" |
        column -t -s $'\t'
    jq -r --arg t "$t" --arg all "$all" --arg head "$head" \
        '"\($head): " + (if .[$all] then "PASS (all targets met)" else "MISS (\([.[$t][] | select(.pass | not)] | length) of \(.[$t] | length) targets missed)" end)' "$res"
}

# own_columns <results.json>: a tab-separated table on stdin to stdout, without its "x hap-own"
# columns when no HAProxy ran in a session of its own (they would be all "-")
own_columns() {
    if [[ $(jq '.reference_own_session.values != null' "$1") == true ]]; then cat; return; fi
    awk -F'\t' -v OFS='\t' 'NR == 1 { for (i = 1; i <= NF; i++) drop[i] = ($i ~ /x hap-own$/) }
        { line = ""; n = 0; for (i = 1; i <= NF; i++) if (!drop[i]) line = (n++ ? line OFS : "") $i; print line }'
}

# wrk_table <results.json> <jq formats> <scenario: keepalive|close> <ratio key prefix: ka|close>
# <rate header> <unit>: the table of one wrk scenario, a row per contender (the keep-alive and the
# new-connection tables are the same but for these)
wrk_table() {
    local res=$1 fmt=$2 scen=$3 key=$4 rate=$5 unit=$6 c
    {
        printf 'contender\t%s\tx haproxy\tx hap-own\tx direct\tp50 ms\tp99 ms\tp99 per round ms\tp99 x haproxy\tp99 x hap-own\terrors\tproxy cpu s\tcpu us/%s\twrk us/%s\tnginx us/%s\tcs/%s\tsys/%s\tbusiest loop %%\tidle %%/round\tsegs/%s (all)\tother load %%\n' \
            "$rate" "$unit" "$unit" "$unit" "$unit" "$unit" "$unit"
        for c in $(jq -r '.settings.contenders[]' "$res"); do
            jq -r --arg c "$c" --arg scen "$scen" --arg rps "${key}_rps" --arg p99 "${key}_p99_us" "$fmt"'
              .contenders[$c][$scen] as $s | .ratios[$c] as $r |
              [$c, ($s.rps | f0), ($r.vs_haproxy[$rps] | x), ($r.vs_haproxy_own_session[$rps] | x), ($r.vs_direct[$rps] | x),
               ($s.lat_p50_us | ms), ($s.lat_p99_us | ms), ([$s.lat_p99_us_rounds // [] | .[] | ms] | join("/")),
               ($r.vs_haproxy[$p99] | x), ($r.vs_haproxy_own_session[$p99] | x),
               ($s.errors | f0), ($s.cpu_s | f2), ($s.cpu_us_per_request | f2),
               ($s.wrk_cpu_us_per_request | f1), ($s.backend_cpu_us_per_request | f1),
               ($s.ctx_switches_per_request | f2), ($s.syscalls_per_request | f2),
               ([$s.busiest_loop_pct_rounds // [] | .[] | f0] | join("/") | if . == "" then "n/a" else . end),
               ([$s.machine_idle_pct_rounds // [] | .[] | f1] | join("/") | if . == "" then "n/a" else . end),
               ($s.tcp_out_segs_per_request | f2),
               ($s.foreign_cpu_pct_max | f1)] | @tsv' "$res"
        done
    } | own_columns "$res" | column -t -s $'\t'
}

# print_report <results.json>
print_report() {
    local res=$1
    local fmt='def f0: if . == null then "n/a" else (. | floor | tostring) end;
               def f1: if . == null then "n/a" else ((. * 10 | round) / 10 | tostring) end;
               def f2: if . == null then "n/a" else ((. * 100 | round) / 100 | tostring) end;
               def f3: if . == null then "n/a" else ((. * 1000 | round) / 1000 | tostring) end;
               def ms: if . == null then "n/a" else ((. / 10 | round) / 100 | tostring) end;
               def mib: if . == null then "n/a" else ((. / 1024 * 10 | round) / 10 | tostring) end;
               def x: if . == null then "-" else ((. * 100 | round) / 100 | tostring) + "x" end;
               def sub(a; b): if a == null or b == null then null else a - b end;'
    local c

    echo
    jq -r '"TcpLb bench — \(.started_at)  (\(.machine.cpus) CPUs, kernel \(.machine.kernel)\(if .quick then ", QUICK run" else "" end))",
           "wrk -t\(.settings.wrk.threads) -c\(.settings.wrk.connections) -d\(.settings.wrk.seconds)s --latency, \(.settings.wrk.rounds) round(s) per scenario (after \(.settings.wrk.warmup_seconds)s warm-up); iperf3 \(.settings.iperf3.rounds)x\(.settings.iperf3.seconds)s; \(.settings.idle.held) idle connections held \(.settings.idle.hold_s)s",
           "throughput and latency = median over rounds (rounds interleaved across contenders, order rotated); errors and CPU = sum over rounds",
           "other load % = the most CPU that processes not started by the bench used during any round (share of the whole machine)",
           ([.contenders[] | (.keepalive, .close, .bulk1, .bulk4) | .foreign_cpu_pct_max // 0] | max) as $fm
           | (if $fm > 5 then "WARNING: other processes used up to \($fm)% of the machine during measurements: those rounds are disturbed; rerun on a quiet machine" else empty end),
           (.settings.idle.note // empty | "note: " + .),
           (.settings.tcplb_variants // {} | to_entries[] | "NOTE: variant \(.key): env [\(.value)] beside --tcplb-env"),
           (if .settings.tcplb_env or .settings.tcplb_extra then "NOTE: tcplb is NOT in its default configuration: env [\(.settings.tcplb_env // "")] extra parameters [\(.settings.tcplb_extra // "")]" else empty end),
           (if (.machine.busy_pct_before // 0) > 10 or (.machine.busy_pct_after // 0) > 10
            then "WARNING: the machine was busy with other work (\(.machine.busy_pct_before)% before, \(.machine.busy_pct_after)% after, with no bench process running): treat the numbers as noisy"
            else empty end),
           "ratios: \"x haproxy\" = contender / the better of HAProxy nbthread 1 and 2 (per metric), \"x direct\" = contender / direct connection (the ceiling). Latency ratio > 1 = slower.",
           (if .reference_own_session.values then "\"x hap-own\" = a row in a session of its own (*-setsid) / the better of haproxy-setsid and haproxy2-setsid (HAProxy started with setsid, as a service runs), per metric; - for the other rows" else empty end),
           "tcplb = the module in a real pwsh (targets apply); tcplb-hosted = the module in BenchHost (a hosted engine; runtime counters)",
           "wrk us/req, nginx us/req = CPU of the load generator (wrk) and of the backend nginx per request (per connection in the close table), over the wrk window",
           "idle %/round = the whole machine idle (+iowait) over each wrk window (/proc/stat): near 0 = CPU-bound, the ratios then say who spends the CPU",
           "segs/req (all) = TCP segments sent per request by the WHOLE machine (OutSegs, /proc/net/snmp; client, proxy and backend legs together); idle % and segs/req count other work too: read them with other load % near 0",
           "cs/req = context switches of the proxy process(es) (all threads, /proc) per request or connection",
           "busiest loop % = the share of the busier loop thread in the CPU of all loop threads, per round (tcplb on the loop transport)",
           "sys/req = system calls of the proxy process(es) per request or connection (perf stat -e raw_syscalls:sys_enter over the wrk window; n/a without perf)"' "$res"

    echo
    echo "Keep-alive requests (HTTP/1.1 keep-alive through the proxy; 3 backends round robin)"
    wrk_table "$res" "$fmt" keepalive ka req/s req

    echo
    echo "New connections (wrk -H 'Connection: close': one TCP connection per request)"
    wrk_table "$res" "$fmt" close close conn/s conn

    echo
    echo "Bulk throughput (iperf3 through a separate single-backend instance of each proxy, same for all)"
    {
        printf 'contender\t1 stream Gbit/s\tx haproxy\tx hap-own\tx direct\t4 streams Gbit/s\tx haproxy\tx hap-own\tx direct\terrors\tcpu s (1)\tcpu s (4)\tcpu s/Gbit (4)\tother load %%\n'
        for c in $(jq -r '.settings.contenders[]' "$res"); do
            jq -r --arg c "$c" "$fmt"'
              .contenders[$c] as $s | .ratios[$c] as $r |
              [$c, ($s.bulk1.gbps | f2), ($r.vs_haproxy.bulk1_gbps | x), ($r.vs_haproxy_own_session.bulk1_gbps | x), ($r.vs_direct.bulk1_gbps | x),
               ($s.bulk4.gbps | f2), ($r.vs_haproxy.bulk4_gbps | x), ($r.vs_haproxy_own_session.bulk4_gbps | x), ($r.vs_direct.bulk4_gbps | x),
               (if $s.bulk1 == null and $s.bulk4 == null then null else (($s.bulk1.errors // 1) + ($s.bulk4.errors // 1)) end | f0),
               ($s.bulk1.cpu_s | f2), ($s.bulk4.cpu_s | f2), ($s.bulk4.cpu_s_per_gbit | f3),
               ([$s.bulk1.foreign_cpu_pct_max, $s.bulk4.foreign_cpu_pct_max] | max | f1)] | @tsv' "$res"
        done
    } | own_columns "$res" | column -t -s $'\t'

    echo
    echo "Idle connections (held open through the proxy; RSS = VmRSS of the proxy process(es); direct = backend nginx)"
    {
        printf 'contender\topened\tproxied\tfailed+dropped\tRSS before MiB\tRSS held MiB\tdelta MiB\tdelta per 10k MiB\tbytes/conn\tx haproxy\tx hap-own\tRSS after close MiB\n'
        for c in $(jq -r '.settings.contenders[]' "$res"); do
            jq -r --arg c "$c" "$fmt"'
              .contenders[$c].idle as $s | .ratios[$c] as $r |
              [$c, ($s.opened | f0), ($s.backend_conns | f0), ($s.errors | f0),
               ($s.rss_before_kb | mib), ($s.rss_after_kb | mib), ($s.delta_kb | mib), ($s.delta_kb_scaled | mib), ($s.bytes_per_conn | f0),
               (if $c == "direct" then null else $r.vs_haproxy.idle_delta_kb end | x), ($r.vs_haproxy_own_session.idle_delta_kb | x),
               ($s.rss_closed_kb | mib)] | @tsv' "$res"
        done
    } | own_columns "$res" | column -t -s $'\t'

    echo
    echo "Resources of each proxy (utime+stime from /proc/<pid>/stat; peak RSS = VmHWM; nginx = master + worker)"
    {
        printf 'contender\tpeak RSS MiB (main)\tthreads\tcpu s (main, all scenarios)\tpeak RSS MiB (bulk)\tcpu s (bulk)\n'
        for c in $(jq -r '.settings.contenders[]' "$res"); do
            jq -r --arg c "$c" "$fmt"'
              .contenders[$c].instance as $s |
              [$c, ($s.main.peak_rss_kb | mib), ($s.main.threads | f0), ($s.main.cpu_s_total | f2),
               ($s.bulk.peak_rss_kb | mib), ($s.bulk.cpu_s_total | f2)] | @tsv' "$res"
        done
    } | column -t -s $'\t'

    if [[ $(jq '.contenders["tcplb-hosted"].keepalive.runtime // null' "$res") != null ]]; then
        echo
        echo "tcplb-hosted runtime (BenchHost process: .NET counters over each scenario, all rounds)"
        {
            printf 'scenario\tunit\tunits\talloc bytes/unit\tthread-pool items/unit\tgen0\tgen1\tgen2\tGC pause ms\tlock contentions\tpool threads\ttimers\n'
            jq -r "$fmt"'
              def row(name; unit; units):
                .contenders["tcplb-hosted"][name] as $s | ($s.runtime // null) as $rt |
                if $rt == null then empty else
                [name, unit, (units | f0),
                 (if units > 0 then $rt.alloc_bytes / units else null end | f0),
                 (if units > 0 then $rt.tp_completed / units else null end | f2),
                 ($rt.gc0 | f0), ($rt.gc1 | f0), ($rt.gc2 | f0), ($rt.gc_pause_ms | f1), ($rt.lock_contention | f0),
                 ($rt.tp_threads | f0), ($rt.timers | f0)] | @tsv end;
              .contenders["tcplb-hosted"] as $h |
              row("keepalive"; "request"; $h.keepalive.requests),
              row("close"; "connection"; $h.close.requests),
              row("idle"; "connection"; $h.idle.opened),
              row("bulk1"; "MiB"; ($h.bulk1.bytes / 1048576)),
              row("bulk4"; "MiB"; ($h.bulk4.bytes / 1048576))' "$res"
        } | column -t -s $'\t'
    fi

    echo
    if [[ $(jq '.targets | length' "$res") -eq 0 ]]; then
        echo "Targets: not evaluated (needs tcplb and haproxy or haproxy2 in the run)"
    else
        echo "Targets (tcplb in pwsh vs the better HAProxy, same run)"
        print_targets "$res" targets reference all_targets_pass "overall"
    fi
    if [[ $(jq '.targets_own_session // [] | length' "$res") -gt 0 ]]; then
        echo
        echo "Targets, own session (tcplb-setsid vs the better HAProxy started with setsid, same run; the issue's targets are the lines above)"
        print_targets "$res" targets_own_session reference_own_session all_targets_own_session_pass "overall, own session"
    fi
    jq -r '.contenders | to_entries[] | select(.value.instance.main.died or .value.instance.bulk.died)
           | "WARNING: a \(.key) instance died during the run; see its log in the run directory"' "$res"
    jq -r '.other_contender_errors | to_entries[] | select(.value > 0)
           | "WARNING: \(.key) had \(.value) error(s) — its numbers are suspect; see the run directory"' "$res"
}
