# shellcheck shell=bash
# Pid lists ("$INST_PIDS") are split into words on purpose; globals are shared across the lib files.
# shellcheck disable=SC2086,SC2034
# bench/lib/scenarios.sh — the measured scenarios. Each writes $RUN_DIR/<contender>.<scenario>.json.
#
# CPU: utime+stime of INST_PIDS sampled right before and right after the scenario
#      (/proc/<pid>/stat), reported as cpu_s; null for "direct" (no proxy process).

# instance_alive: every pid of the current instance still runs (true for direct: nothing to check)
instance_alive() {
    local pid
    for pid in $INST_PIDS; do pid_alive "$pid" || return 1; done
    return 0
}

alive_json() { if instance_alive; then echo true; else echo false; fi; }

# jq definitions: the figures derived from a wrk result's counts, one round (run_wrk) or the sums
# over rounds (aggregate_rounds), computed the same way for both: per request (per connection for
# close) the proxy's CPU in µs, its context switches and system calls, the CPU of wrk, of the
# backend nginx and of the whole machine (busy) in µs, the TCP segments sent by the whole machine
# (system-wide, not only the proxy's); and the machine's idle share of the window.
PER_REQUEST_JQ='def per_req(f; scale; digits): if f == null or .requests == 0 then null else (f * scale / .requests * digits | round / digits) end;
    def per_request_figures:
        .cpu_us_per_request = per_req(.cpu_s; 1e6; 100)
        | .ctx_switches_per_request = per_req(.ctx_switches; 1; 1000)
        | .syscalls_per_request = per_req(.syscalls; 1; 100)
        | .wrk_cpu_us_per_request = per_req(.wrk_cpu_s; 1e6; 100)
        | .backend_cpu_us_per_request = per_req(.backend_cpu_s; 1e6; 100)
        | .machine_cpu_us_per_request = per_req(.machine_busy_s; 1e6; 100)
        | .tcp_out_segs_per_request = per_req(.tcp_out_segs; 1; 1000)
        | .machine_idle_pct = (if .machine_busy_s == null or .machine_idle_s == null or .machine_busy_s + .machine_idle_s <= 0 then null
                               else (.machine_idle_s * 1000 / (.machine_busy_s + .machine_idle_s) | round / 10) end);'

cpu_json() {   # ticks_before ticks_after -> JSON number or null
    if [[ -z "${INST_PIDS// /}" ]] || ! instance_alive; then echo null; return; fi
    ticks_to_seconds "$(($2 - $1))"
}

# run_wrk <contender> <scenario: keepalive|close, or warmup-keepalive|warmup-close (not reported)> <port> <seconds> [round tag]
run_wrk() {
    local name=$1 scen=$2 port=$3 dur=$4 out="$RUN_DIR/$1.$2${5:+.$5}" rc t0 t1 json cpu rt0 rt foreign cs0 cs1 cs perf_pid="" sys lt0 lt1
    local be0 be1 mb0 mi0 mb1 mi1 sg0 sg1 w0 w1
    local -a args=(-t "$WRK_THREADS" -c "$WRK_CONNS" -d "${dur}s" --latency --timeout "${WRK_TIMEOUT}s"
                   -s "$BENCH_DIR/wrk/report.lua")
    [[ $scen == close || $scen == warmup-close ]] && args+=(-H 'Connection: close')
    local scheme=http
    [[ $name == tcplb-tls ]] && scheme=https
    log "  $name $scen: wrk ${args[*]} $scheme://127.0.0.1:$port/"
    rt0=$(runtime_stats "$INST_STOP")
    foreign_begin
    t0=$(cpu_ticks $INST_PIDS)
    cs0=$(ctx_switches $INST_PIDS)
    lt0=$(loop_ticks $INST_PIDS)
    # System calls of the proxy over the wrk window (perf stat; its window is wrk's duration).
    [[ $scen != warmup-* ]] && perf_pid=$(syscall_count_start "$out.perf" "$dur" $INST_PIDS)
    # Where the CPU goes over the wrk window: the backend nginx, the whole machine, wrk itself,
    # and the TCP segments the machine sent (sampled last before and first after wrk).
    be0=$(cpu_ticks $BACKEND_NGINX_PIDS)
    read -r mb0 mi0 < <(machine_cpu_ticks)
    sg0=$(tcp_out_segs)
    w0=$(children_ticks)
    set +e
    timeout -k 5 $((dur + 30)) wrk "${args[@]}" "$scheme://127.0.0.1:$port/" >"$out.txt" 2>&1
    rc=$?
    set -e
    w1=$(children_ticks)
    sg1=$(tcp_out_segs)
    read -r mb1 mi1 < <(machine_cpu_ticks)
    be1=$(cpu_ticks $BACKEND_NGINX_PIDS)
    t1=$(cpu_ticks $INST_PIDS)
    cs1=$(ctx_switches $INST_PIDS)
    lt1=$(loop_ticks $INST_PIDS)
    sys=$(syscall_count_end "$out.perf" "$perf_pid")
    foreign=$(foreign_end)
    rt=$(runtime_delta "$rt0" "$(runtime_stats "$INST_STOP")")
    cpu=$(cpu_json "$t0" "$t1")
    cs=null
    if [[ -n "${INST_PIDS// /}" ]] && instance_alive; then cs=$(ctx_switches_delta "$cs0" "$cs1"); fi
    json=$(sed -n 's/^WRKJSON //p' "$out.txt" | tail -n 1)
    if [[ -z "$json" ]] || ! jq -e . >/dev/null 2>&1 <<<"$json"; then
        warn "wrk produced no result for $name $scen (exit $rc); see $out.txt"
        json='{"requests":0,"rps":0,"connect_errors":0,"read_errors":0,"write_errors":0,"timeout_errors":0,"status_errors":0,"failed":true}'
    fi
    jq -c --argjson cpu "$cpu" --argjson rc "$rc" --arg cmd "wrk ${args[*]} $scheme://127.0.0.1:$port/" --argjson rt "$rt" \
        --argjson foreign "$foreign" --argjson alive "$(alive_json)" --argjson cs "$cs" --argjson sys "$sys" \
        --argjson lt0 "[$lt0]" --argjson lt1 "[$lt1]" \
        --argjson wrk_cpu "$(ticks_to_seconds $((w1 - w0)))" --argjson be_cpu "$(ticks_to_seconds $((be1 - be0)))" \
        --argjson m_busy "$(ticks_to_seconds $((mb1 - mb0)))" --argjson m_idle "$(ticks_to_seconds $((mi1 - mi0)))" \
        --argjson segs $((sg1 - sg0)) \
        "$PER_REQUEST_JQ"'. + {cpu_s: $cpu, exit_code: $rc, command: $cmd, runtime: $rt, foreign_cpu_pct: $foreign, proxy_alive: $alive,
              ctx_switches: $cs, syscalls: $sys,
              loop_cpu_ticks: (if ($lt1 | length) == 0 or ($lt0 | length) != ($lt1 | length) then null
                               else [$lt1, $lt0] | transpose | map(.[0] - .[1]) end),
              errors: (.connect_errors + .read_errors + .write_errors + .timeout_errors + .status_errors
                       + (if $rc != 0 or .failed then 1 else 0 end) + (if $alive then 0 else 1 end)),
              wrk_cpu_s: $wrk_cpu, backend_cpu_s: $be_cpu, machine_busy_s: $m_busy, machine_idle_s: $m_idle,
              tcp_out_segs: $segs}
         | per_request_figures
         | .busiest_loop_pct = (if .loop_cpu_ticks == null or (.loop_cpu_ticks | add) <= 0 then null
                                else (.loop_cpu_ticks | max) * 100 / (.loop_cpu_ticks | add) | round end)' \
        <<<"$json" >"$out.json"
    [[ $scen == warmup-* ]] && return 0
    jq -r --arg n "$name" --arg s "$scen" \
        '"    -> \($n) \($s): \(.rps|floor) req/s  p50 \(.lat_p50_us)us  p99 \(.lat_p99_us)us  errors \(.errors)  other load \(.foreign_cpu_pct)%  cpu \(if .cpu_s == null then "n/a" else "\(.cpu_s)s" end)  cs/req \(.ctx_switches_per_request // "n/a")  sys/req \(.syscalls_per_request // "n/a")  idle \(.machine_idle_pct)%  wrk \(.wrk_cpu_us_per_request)us  nginx \(.backend_cpu_us_per_request)us  segs \(.tcp_out_segs_per_request)\(if .loop_cpu_ticks then "  loop ticks \(.loop_cpu_ticks | map(tostring) | join("/"))" else "" end)"' \
        "$out.json" >&2
}

# run_iperf <contender> <streams> <port> [round tag]
run_iperf() {
    local name=$1 streams=$2 port=$3 out="$RUN_DIR/$1.bulk$2${4:+.$4}" rc t0 t1 cpu rt0 rt foreign
    log "  $name bulk x$streams: iperf3 -c 127.0.0.1 -p $port -t $IPERF_SECONDS -P $streams -J"
    rt0=$(runtime_stats "$INST_STOP")
    foreign_begin
    t0=$(cpu_ticks $INST_PIDS)
    set +e
    timeout -k 5 $((IPERF_SECONDS + 30)) iperf3 -c 127.0.0.1 -p "$port" -t "$IPERF_SECONDS" -P "$streams" \
        --connect-timeout 5000 -J >"$out.raw" 2>"$out.err"
    rc=$?
    set -e
    t1=$(cpu_ticks $INST_PIDS)
    foreign=$(foreign_end)
    rt=$(runtime_delta "$rt0" "$(runtime_stats "$INST_STOP")")
    cpu=$(cpu_json "$t0" "$t1")
    if ! jq -e . >/dev/null 2>&1 <"$out.raw"; then
        echo '{}' >"$out.raw"
    fi
    jq -c --argjson cpu "$cpu" --argjson rc "$rc" --argjson p "$streams" --arg err "$(head -c 400 "$out.err")" --argjson rt "$rt" --argjson foreign "$foreign" \
        --argjson alive "$(alive_json)" '
        {streams: $p, runtime: $rt, foreign_cpu_pct: $foreign, proxy_alive: $alive,
         gbps: (((.end.sum_received.bits_per_second // 0) / 1e9) * 1000 | round / 1000),
         sent_gbps: (((.end.sum_sent.bits_per_second // 0) / 1e9) * 1000 | round / 1000),
         bytes: (.end.sum_received.bytes // 0),
         retransmits: (.end.sum_sent.retransmits // null),
         iperf_error: (.error // (if $err != "" then $err else null end)),
         exit_code: $rc,
         cpu_s: $cpu}
        | .errors = (if .exit_code != 0 or .iperf_error != null or .bytes == 0 or ($alive | not) then 1 else 0 end)
        | .cpu_s_per_gbit = (if $cpu == null or .bytes == 0 then null
                             else ($cpu / (.bytes * 8 / 1e9) * 10000 | round / 10000) end)' \
        "$out.raw" >"$out.json"
    jq -r --arg n "$name" '"    -> \($n) bulk x\(.streams): \(.gbps) Gbit/s  errors \(.errors)  other load \(.foreign_cpu_pct)%  cpu \(if .cpu_s == null then "n/a" else "\(.cpu_s)s" end)\(if .iperf_error then "  (" + .iperf_error + ")" else "" end)"' \
        "$out.json" >&2
}

# run_idle <contender> <port> <pids to measure>
run_idle() {
    local name=$1 port=$2 pids=$3 out="$RUN_DIR/$1.idle" rc t0 t1 cpu json rt0 rt
    log "  $name idle: $IDLE_EFFECTIVE connections held ${IDLE_HOLD}s, measuring VmRSS of pids [$pids]"
    rt0=$(runtime_stats "$INST_STOP")
    t0=$(cpu_ticks $INST_PIDS)
    set +e
    timeout -k 5 120 "$IDLECONNS_BIN" --host 127.0.0.1 --port "$port" --count "$IDLE_EFFECTIVE" --hold "$IDLE_HOLD" \
        --pids "$(tr -s ' ' ',' <<<"$pids" | sed 's/^,//;s/,$//')" \
        --backend-ports "$(backend_http_ports | tr ' ' ',')" --deadline 100 >"$out.raw" 2>"$out.err"
    rc=$?
    set -e
    t1=$(cpu_ticks $INST_PIDS)
    rt=$(runtime_delta "$rt0" "$(runtime_stats "$INST_STOP")")
    cpu=$(cpu_json "$t0" "$t1")
    json=$(tail -n 1 "$out.raw")
    if [[ -z "$json" ]] || ! jq -e . >/dev/null 2>&1 <<<"$json"; then
        warn "IdleConns produced no result for $name (exit $rc); see $out.err"
        json="{\"requested\":$IDLE_EFFECTIVE,\"opened\":0,\"errors\":$IDLE_EFFECTIVE,\"delta_kb\":null}"
    fi
    jq -c --argjson cpu "$cpu" --argjson rc "$rc" --arg pids "$pids" --argjson want "$IDLE_COUNT" --argjson rt "$rt" \
        --argjson alive "$(alive_json)" \
        '. + {cpu_s: $cpu, exit_code: $rc, measured_pids: $pids, target_count: $want, runtime: $rt, proxy_alive: $alive,
              errors: (.errors + (if $rc != 0 then 1 else 0 end) + (if $alive then 0 else 1 end)),
              delta_mib: (if .delta_kb == null then null else (.delta_kb / 1024 * 10 | round / 10) end),
              bytes_per_conn: (if .delta_kb == null or .opened == 0 then null else (.delta_kb * 1024 / .opened | round) end)}
         | .delta_kb_scaled = (if .delta_kb == null or .opened == 0 then null else (.delta_kb * $want / .opened | round) end)
         | .delta_mib_scaled = (if .delta_kb_scaled == null then null else (.delta_kb_scaled / 1024 * 10 | round / 10) end)' \
        <<<"$json" >"$out.json"
    jq -r --arg n "$name" '"    -> \($n) idle: opened \(.opened)/\(.requested)  backend conns \(.backend_conns)  dropped \(.dropped)  RSS \(.rss_before_kb)kB -> \(.rss_after_kb)kB (+\(.delta_mib) MiB)"' \
        "$out.json" >&2
}

# ---------------------------------------------------------------------------------------------
# Phases. All contenders' instances run side by side; measurements are interleaved in rounds
# (the contender order rotates every round) so slow drift of the machine hits everyone alike.
# ---------------------------------------------------------------------------------------------
declare -A C_PORT=() C_STOP=() C_PIDS=() C_T0=()

use_instance() { INST_PORT=${C_PORT[$1]}; INST_STOP=${C_STOP[$1]}; INST_PIDS=${C_PIDS[$1]}; }

start_all() {   # <role>
    local c pid group ours
    ours=$(autogroup $$)
    for c in $CONTENDERS; do
        start_contender "$c" "$1"
        C_PORT[$c]=$INST_PORT
        C_STOP[$c]=$INST_STOP
        C_PIDS[$c]=$INST_PIDS
        C_T0[$c]=$(cpu_ticks $INST_PIDS)
        for pid in $INST_PIDS; do
            group=$(autogroup "$pid")
            if [[ -n "$ours" && "$group" != "$ours" && $c != *-setsid && $c != *-setsid@* ]]; then
                warn "$c ($1, pid $pid) runs in scheduling group $group, wrk and the backends in $ours: its CPU share differs from the others' on a busy machine"
            fi
        done
    done
}

# instance_json <contender>: peak RSS (VmHWM), current RSS, threads, CPU since start
instance_json() {
    use_instance "$1"
    if ! instance_alive; then
        warn "$1: the proxy instance [$INST_PIDS] is no longer running (see its log in $RUN_DIR)"
        jq -nc --arg pids "$INST_PIDS" '{pids: $pids, died: true, peak_rss_kb: null, rss_end_kb: null, threads: null, cpu_s_total: null}'
        return 0
    fi
    jq -nc --argjson hwm "$(status_kb VmHWM $INST_PIDS)" --argjson rss "$(status_kb VmRSS $INST_PIDS)" \
        --argjson thr "$(thread_count $INST_PIDS)" --arg pids "$INST_PIDS" \
        --arg group "$(for p in $INST_PIDS; do autogroup "$p"; done | sort -u | tr '\n' ' ' | sed 's/ *$//')" \
        --argjson cpu "$(cpu_json "${C_T0[$1]}" "$(cpu_ticks $INST_PIDS)")" \
        'if ($pids | test("^ *$")) then {pids: null, peak_rss_kb: null, rss_end_kb: null, threads: null, cpu_s_total: null}
         else {pids: $pids, peak_rss_kb: $hwm, rss_end_kb: $rss, threads: $thr, cpu_s_total: $cpu,
               autogroup: (if $group == "" then null else $group end)} end'
}

stop_all() {
    local c
    for c in $CONTENDERS; do
        use_instance "$c"
        stop_instance
    done
}

rotated() {   # <round number>: the contender list rotated by round-1
    local -a list
    read -ra list <<<"$CONTENDERS"
    local n=${#list[@]} i
    for ((i = 0; i < n; i++)); do printf '%s ' "${list[$(((i + $1 - 1) % n))]}"; done
}

# aggregate_rounds <contender> <scenario>: <c>.<s>.rN.json -> <c>.<s>.json
#   medians of throughput and latency over rounds; errors, requests and CPU summed.
aggregate_rounds() {
    local c=$1 s=$2
    jq -s -c "$PER_REQUEST_JQ"'
        def median: sort | if length == 0 then null
                           elif length % 2 == 1 then .[length / 2 | floor]
                           else (.[length / 2 - 1] + .[length / 2]) / 2 end;
        def msum(f): if any(.[]; f == null) then null else (map(f) | add) end;
        def rtsum: if any(.[]; .runtime == null) then null
                   else reduce (.[] | .runtime) as $x ({}; . as $acc | $x | with_entries(.key as $k
                        | .value = (if (["gc_heap_bytes", "tp_threads", "tp_pending", "timers", "working_set", "job_Active"] | index($k))
                                    then ([.value, ($acc[$k] // 0)] | max) else .value + ($acc[$k] // 0) end))) end;
        . as $r
        | if ($r[0] | has("rps")) then
            {rounds: ($r | length),
             rps: ($r | map(.rps) | median),
             lat_p50_us: ($r | map(.lat_p50_us) | median),
             lat_p90_us: ($r | map(.lat_p90_us) | median),
             lat_p99_us: ($r | map(.lat_p99_us) | median),
             lat_p999_us: ($r | map(.lat_p999_us) | median),
             lat_max_us: ($r | map(.lat_max_us) | max),
             requests: ($r | map(.requests) | add),
             foreign_cpu_pct_max: ($r | map(.foreign_cpu_pct // 0) | max),
             errors: ($r | map(.errors) | add),
             cpu_s: ($r | msum(.cpu_s)),
             ctx_switches: ($r | msum(.ctx_switches)),
             syscalls: ($r | msum(.syscalls)),
             lat_p99_us_rounds: ($r | map(.lat_p99_us)),
             loop_cpu_ticks: (if any(.[]; .loop_cpu_ticks == null) then null
                              else [$r[] | .loop_cpu_ticks] | transpose | map(add) end),
             busiest_loop_pct_rounds: ($r | map(.busiest_loop_pct)),
             wrk_cpu_s: ($r | msum(.wrk_cpu_s)),
             backend_cpu_s: ($r | msum(.backend_cpu_s)),
             machine_busy_s: ($r | msum(.machine_busy_s)),
             machine_idle_s: ($r | msum(.machine_idle_s)),
             machine_idle_pct_rounds: ($r | map(.machine_idle_pct)),
             tcp_out_segs: ($r | msum(.tcp_out_segs)),
             runtime: ($r | rtsum),
             per_round: $r}
            | per_request_figures
          else
            {rounds: ($r | length), streams: $r[0].streams,
             gbps: ($r | map(.gbps) | median),
             bytes: ($r | map(.bytes) | add),
             foreign_cpu_pct_max: ($r | map(.foreign_cpu_pct // 0) | max),
             errors: ($r | map(.errors) | add),
             cpu_s: ($r | msum(.cpu_s)),
             runtime: ($r | rtsum),
             per_round: $r}
            | .cpu_s_per_gbit = (if .cpu_s == null or .bytes == 0 then null
                                 else (.cpu_s / (.bytes * 8 / 1e9) * 10000 | round / 10000) end)
          end' "$RUN_DIR/$c.$s".r*.json >"$RUN_DIR/$c.$s.json"
}

run_all() {
    local c r s
    log "== main instances (3 HTTP backends, round robin) =="
    start_all main
    for s in keepalive close; do
        # Each scenario's load first runs unmeasured on every contender: JIT tiering, and the
        # packed layout's check of its loop count (about 5 s of a load), as in a load's first seconds.
        for c in $CONTENDERS; do
            use_instance "$c"
            run_wrk "$c" "warmup-$s" "$INST_PORT" "$WARMUP_SECONDS"
        done
        for ((r = 1; r <= ROUNDS; r++)); do
            log "-- $s round $r/$ROUNDS"
            for c in $(rotated "$r"); do
                use_instance "$c"
                run_wrk "$c" "$s" "$INST_PORT" "$WRK_SECONDS" "r$r"
                sleep 0.5
            done
        done
        for c in $CONTENDERS; do aggregate_rounds "$c" "$s"; done
    done
    for c in $CONTENDERS; do
        [[ $c == tcplb-tls ]] && continue   # IdleConns does not speak TLS
        use_instance "$c"
        if [[ $c == direct ]]; then
            run_idle "$c" "$INST_PORT" "$BACKEND_NGINX_PIDS"
        else
            run_idle "$c" "$INST_PORT" "$INST_PIDS"
        fi
        sleep 1
    done
    for c in $CONTENDERS; do instance_json "$c" >"$RUN_DIR/$c.instance-main.json"; done
    stop_all
    sleep 1

    # iperf3 does not speak TLS: tcplb-tls has no bulk instance.
    local all_contenders=$CONTENDERS
    CONTENDERS=$(tr ' ' '\n' <<<"$CONTENDERS" | grep -vx tcplb-tls | tr '\n' ' ' | sed 's/ *$//')
    log "== bulk instances (one iperf3 backend each) =="
    start_all bulk
    for ((r = 1; r <= BULK_ROUNDS; r++)); do
        log "-- bulk round $r/$BULK_ROUNDS"
        for c in $(rotated "$r"); do
            use_instance "$c"
            run_iperf "$c" 1 "$INST_PORT" "r$r"
            sleep 1
            run_iperf "$c" 4 "$INST_PORT" "r$r"
            sleep 1
        done
    done
    for c in $CONTENDERS; do
        aggregate_rounds "$c" bulk1
        aggregate_rounds "$c" bulk4
        instance_json "$c" >"$RUN_DIR/$c.instance-bulk.json"
        jq -c -n --slurpfile m "$RUN_DIR/$c.instance-main.json" --slurpfile b "$RUN_DIR/$c.instance-bulk.json" \
            '{main: $m[0], bulk: $b[0]}' >"$RUN_DIR/$c.instance.json"
    done
    stop_all
    CONTENDERS=$all_contenders
    if [[ -s "$RUN_DIR/tcplb-tls.instance-main.json" ]]; then
        jq -c -n --slurpfile m "$RUN_DIR/tcplb-tls.instance-main.json" '{main: $m[0], bulk: null}' >"$RUN_DIR/tcplb-tls.instance.json"
    fi
}
