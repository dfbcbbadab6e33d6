# shellcheck shell=bash
# Pid lists ("$INST_PIDS") are split into words on purpose; globals are shared across the lib files.
# shellcheck disable=SC2086,SC2034
# bench/lib/common.sh — logging, process bookkeeping and /proc sampling for bench/run.sh.

log()  { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
warn() { printf '[bench %s] WARNING: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die()  { printf '[bench %s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2; exit 1; }

CLK_TCK=$(getconf CLK_TCK)

# ---------------------------------------------------------------------------------------------
# Every process the bench starts is registered here; cleanup_all (trap on EXIT) stops them.
# ---------------------------------------------------------------------------------------------
declare -a STARTED_PIDS=()
declare -A PID_STDIN_FD=()      # pid -> fd of the write end of its stdin fifo (BenchHost)

register_pid() { STARTED_PIDS+=("$1"); }

pid_alive() { [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null; }

# stop_pid <pid> [grace seconds]: close its stdin fifo if any, then TERM, then KILL. Waits for exit.
stop_pid() {
    local pid=$1 grace=${2:-10} fd i
    [[ -z "$pid" ]] && return 0
    fd=${PID_STDIN_FD[$pid]:-}
    if [[ -n "$fd" ]]; then
        eval "exec ${fd}>&-" 2>/dev/null || true
        unset "PID_STDIN_FD[$pid]"
        for ((i = 0; i < grace * 10; i++)); do pid_alive "$pid" || break; sleep 0.1; done
    fi
    if pid_alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < grace * 10; i++)); do pid_alive "$pid" || break; sleep 0.1; done
    fi
    if pid_alive "$pid"; then
        warn "pid $pid did not exit after TERM; sending KILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup_all() {
    local rc=$? i pid
    trap - EXIT INT TERM
    if ((${#STARTED_PIDS[@]})); then
        for ((i = ${#STARTED_PIDS[@]} - 1; i >= 0; i--)); do
            pid=${STARTED_PIDS[$i]}
            pid_alive "$pid" && stop_pid "$pid" 5
        done
    fi
    [[ -n "${POLICY_RC_CREATED:-}" ]] && rm -f /usr/sbin/policy-rc.d
    return "$rc"
}

# ---------------------------------------------------------------------------------------------
# Ports
# ---------------------------------------------------------------------------------------------
port_listening() { [[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]; }

# wait_port <port> <timeout s> [pid that must stay alive]
wait_port() {
    local port=$1 timeout=$2 pid=${3:-} i
    for ((i = 0; i < timeout * 10; i++)); do
        port_listening "$port" && return 0
        if [[ -n "$pid" ]] && ! pid_alive "$pid"; then return 1; fi
        sleep 0.1
    done
    return 1
}

assert_port_free() {
    port_listening "$1" && die "port $1 is already in use on this machine (pick another --base-port)"
    return 0
}

# ---------------------------------------------------------------------------------------------
# /proc sampling. All take a space-separated list of pids and sum over them.
# ---------------------------------------------------------------------------------------------
# children of a pid (direct), e.g. nginx workers of a master
child_pids() {
    local pid=$1
    cat /proc/"$pid"/task/*/children 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+$' || true
}

# cpu_ticks <pids...>: utime+stime (fields 14+15 of /proc/<pid>/stat), summed, in clock ticks
cpu_ticks() {
    local total=0 pid stat
    local -a f
    for pid in "$@"; do
        stat=$(cat /proc/"$pid"/stat 2>/dev/null) || continue
        read -ra f <<<"${stat##*) }"             # drop "pid (comm) " (comm may contain spaces)
        total=$((total + f[11] + f[12]))         # f[0] = state (field 3), so utime = f[11], stime = f[12]
    done
    echo "$total"
}

ticks_to_seconds() { awk -v t="$1" -v hz="$CLK_TCK" 'BEGIN { printf "%.3f", t / hz }'; }

# status_kb <field> <pids...>: e.g. status_kb VmHWM 123 456 -> summed kB
status_kb() {
    local field=$1 total=0 pid v
    shift
    for pid in "$@"; do
        v=$(awk -v f="$field:" '$1 == f { print $2; exit }' /proc/"$pid"/status 2>/dev/null)
        [[ -n "$v" ]] && total=$((total + v))
    done
    echo "$total"
}

thread_count() {
    local total=0 pid v
    for pid in "$@"; do
        v=$(awk '$1 == "Threads:" { print $2; exit }' /proc/"$pid"/status 2>/dev/null)
        [[ -n "$v" ]] && total=$((total + v))
    done
    echo "$total"
}

# loop_ticks <pids...>: CPU ticks (utime+stime) of each of the engine's loop threads (named
# tcplb-loop-N), summed by N over the pids, as a comma-separated list in loop order; empty for a
# process without them. Sampled around each wrk window: how the work split over the loops.
loop_ticks() {
    local pid t name stat
    local -a f
    for pid in "$@"; do
        for t in /proc/"$pid"/task/*; do
            name=$(cat "$t/comm" 2>/dev/null) || continue
            [[ $name == tcplb-loop-* ]] || continue
            stat=$(cat "$t/stat" 2>/dev/null) || continue
            read -ra f <<<"${stat##*) }"
            echo "${name#tcplb-loop-} $((f[11] + f[12]))"
        done
    done | awk '{ t[$1] += $2 } END { for (n in t) print n, t[n] }' | sort -n | awk '{ printf "%s%d", (NR > 1 ? "," : ""), $2 }'
}

# ctx_switches <pids...>: "tid switches" for every thread (voluntary + involuntary, /proc)
ctx_switches() {
    local pid
    for pid in "$@"; do
        awk 'FNR == 1 { n = split(FILENAME, p, "/"); t = p[n - 1] }
             $1 == "voluntary_ctxt_switches:" || $1 == "nonvoluntary_ctxt_switches:" { s[t] += $2 }
             END { for (t in s) print t, s[t] }' /proc/"$pid"/task/*/status 2>/dev/null
    done
}

# ctx_switches_delta "<before>" "<after>" (ctx_switches output): the switches in between, thread by
# thread. A thread that exited meanwhile (the .NET thread pool retires idle workers) is left out,
# its switches in the window lost; one started meanwhile counts from 0. (A sum over the threads
# alive at each end went down whenever a thread exited: the column said n/a.)
ctx_switches_delta() {
    awk 'NR == FNR { if (NF == 2) a[$1] = $2; next } NF == 2 { d += $2 - (($1 in a) ? a[$1] : 0) } END { print d + 0 }' \
        <(printf '%s\n' "$1") <(printf '%s\n' "$2")
}

# perf_usable: perf (Debian linux-perf) can count a process's system calls here (the tracepoint
# raw_syscalls:sys_enter is readable); checked once. Without it the sys/req columns say n/a.
perf_usable() {
    if [[ -z "${PERF_USABLE:-}" ]]; then
        PERF_USABLE=0
        command -v perf >/dev/null 2>&1 && perf stat -x, -e raw_syscalls:sys_enter -- true >/dev/null 2>&1 && PERF_USABLE=1
    fi
    [[ $PERF_USABLE == 1 ]]
}

# syscall_count_start <file> <seconds> <pids...>: counts the system calls of every thread of the
# pids for the given time in the background (perf stat); prints the perf pid ("" without perf).
syscall_count_start() {
    local file=$1 secs=$2; shift 2
    [[ -z "${*// /}" ]] && return 0
    perf_usable || return 0
    perf stat -x, -e raw_syscalls:sys_enter -o "$file" -p "$(tr -s ' ' ',' <<<"$*" | sed 's/^,//;s/,$//')" -- sleep "$secs" >/dev/null 2>&1 &
    echo $!
}

# syscall_count_end <file> <perf pid>: waits for the count and prints it ("null" when there is none)
syscall_count_end() {
    local n=""
    local i
    if [[ -n "$2" ]]; then
        # perf was started inside a command substitution, so it is not this shell's child: poll (bounded).
        for ((i = 0; i < 100; i++)); do kill -0 "$2" 2>/dev/null || break; sleep 0.1; done
        n=$(awk -F, '/raw_syscalls:sys_enter/ && $1 ~ /^[0-9]+$/ { print $1; exit }' "$1" 2>/dev/null)
    fi
    echo "${n:-null}"
}

# autogroup <pid>: the CFS scheduling group of a process ("/autogroup-5"), or "" when the kernel
# has no autogroups. With autogroup scheduling on, every session is a group that gets an equal
# share of the CPUs when they are contended: a proxy in a session other than wrk's and the
# backends' is measured with a different share of a busy machine.
autogroup() { awk '{ print $1; exit }' /proc/"$1"/autogroup 2>/dev/null || true; }

# ---------------------------------------------------------------------------------------------
# Where the CPU goes over a wrk window (run_wrk samples these right before and after wrk):
# the whole machine's busy and idle ticks, the CPU of wrk (this shell's waited-for children) and
# the TCP segments the whole machine sent.
# ---------------------------------------------------------------------------------------------
# machine_cpu_ticks: "busy idle" of the whole machine in ticks (/proc/stat, first line):
# busy = user+nice+system+irq+softirq+steal, idle = idle+iowait
machine_cpu_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6; exit }' /proc/stat; }

# children_ticks: cutime+cstime of the bench's shell: the CPU of every child it has waited for.
# Sampled right around `timeout wrk`, the delta is wrk's own CPU (timeout waits for wrk, the shell
# for timeout) plus the ~1 ms of the first sample's own subshell.
children_ticks() {
    local -a f
    read -ra f <<<"$(sed 's/.*) //' /proc/$$/stat)"
    echo $((f[13] + f[14]))
}

# tcp_out_segs: TCP segments sent so far by the whole machine (OutSegs in /proc/net/snmp, found
# by its header name). System-wide: every TCP segment of every process, ours or not.
tcp_out_segs() {
    awk '$1 == "Tcp:" { if (!c) { for (i = 2; i <= NF; i++) if ($i == "OutSegs") c = i } else { print $c; exit } }' /proc/net/snmp
}

# busy_percent <seconds>: share of all CPUs spent non-idle over the interval (whole machine)
busy_percent() {
    local -a a b
    read -ra a < <(head -n1 /proc/stat)
    sleep "$1"
    read -ra b < <(head -n1 /proc/stat)
    # cpu user nice system idle iowait irq softirq steal
    awk -v u1="${a[1]}" -v n1="${a[2]}" -v s1="${a[3]}" -v i1="${a[4]}" -v w1="${a[5]}" -v q1="${a[6]}" -v sq1="${a[7]}" -v st1="${a[8]}" \
        -v u2="${b[1]}" -v n2="${b[2]}" -v s2="${b[3]}" -v i2="${b[4]}" -v w2="${b[5]}" -v q2="${b[6]}" -v sq2="${b[7]}" -v st2="${b[8]}" \
        'BEGIN { busy = (u2-u1) + (n2-n1) + (s2-s1) + (q2-q1) + (sq2-sq1) + (st2-st1); idle = (i2-i1) + (w2-w1);
                 if (busy + idle <= 0) print 0; else printf "%.1f", 100 * busy / (busy + idle) }'
}

# check_quiet <label>: warn when something else keeps the machine busy (results get noisy)
check_quiet() {
    local pct
    pct=$(busy_percent 2)
    echo "$pct" >"$RUN_DIR/busy_$1"
    if awk -v p="$pct" 'BEGIN { exit !(p > 10) }'; then
        warn "machine is ${pct}% busy $1 the bench with nothing of ours running: other work is competing for the CPUs; numbers will be noisy"
    else
        log "machine busy $1 the bench: ${pct}%"
    fi
}

# ---------------------------------------------------------------------------------------------
# tcplb runtime counters: BenchHost answers "stats" on its stdin with a "STATS {json}" line
# (allocated bytes, GC counts, thread-pool work items, lock contention, job counters).
# ---------------------------------------------------------------------------------------------
declare -A PID_STDOUT=()

runtime_stats() {   # <pid> -> JSON object or null
    local pid=${1:-} fd log n i
    # "direct" has no process: an empty subscript of an associative array is an error in bash
    # ("PID_STDIN_FD: bad array subscript"), so look the pid up only when there is one.
    [[ -z "$pid" ]] && { echo null; return 0; }
    fd=${PID_STDIN_FD[$pid]:-}
    log=${PID_STDOUT[$pid]:-}
    if [[ -z "$fd" || -z "$log" ]] || ! pid_alive "$pid"; then echo null; return 0; fi
    n=$(grep -c '^STATS ' "$log" || true)
    # In a subshell: if the host died, SIGPIPE ends the subshell, not the bench.
    (echo stats >&"$fd") 2>/dev/null || { echo null; return 0; }
    for ((i = 0; i < 100; i++)); do
        if (($(grep -c '^STATS ' "$log" || true) > n)); then
            grep '^STATS ' "$log" | tail -n 1 | sed 's/^STATS //'
            return 0
        fi
        sleep 0.02
    done
    echo null
}

# runtime_delta <before json> <after json>: counters as differences, gauges as the after value
runtime_delta() {
    if [[ "$1" == null || "$2" == null ]]; then echo null; return 0; fi
    jq -nc --argjson a "$1" --argjson b "$2" '
        ["gc_heap_bytes", "tp_threads", "tp_pending", "timers", "working_set", "job_Active"] as $gauges
        | $b | with_entries(.key as $k
            | .value = (if ($gauges | index($k)) then .value else (.value - ($a[$k] // 0)) end))'
}

# ---------------------------------------------------------------------------------------------
# Interference: CPU used on the machine during a measurement by processes that are not ours.
#   foreign = (user+nice+system+irq+softirq+steal of the whole machine, /proc/stat)
#           - (utime+stime of every process we keep running: backends and proxy instances)
#           - (this shell's own and waited-for children's times: wrk, iperf3 clients, IdleConns)
# reported as a percentage of the machine's capacity over the interval. ~0 on a quiet machine.
# ---------------------------------------------------------------------------------------------
machine_busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }

shell_ticks() {
    local -a f
    read -ra f <<<"$(sed 's/.*) //' /proc/$$/stat)"
    echo $((f[11] + f[12] + f[13] + f[14]))   # utime stime cutime cstime
}

our_ticks() {
    # shellcheck disable=SC2048  # the entries are pid lists, split on purpose
    echo $(($(cpu_ticks $BACKEND_NGINX_PIDS ${IPERF_PIDS[*]} ${C_PIDS[*]}) + $(shell_ticks)))
}

FOREIGN_M0=0 FOREIGN_O0=0 FOREIGN_T0=0
foreign_begin() {
    FOREIGN_M0=$(machine_busy_ticks)
    FOREIGN_O0=$(our_ticks)
    FOREIGN_T0=$(date +%s%N)
}

foreign_end() {   # -> percentage of machine capacity used by others since foreign_begin
    local m1 o1 t1
    m1=$(machine_busy_ticks)
    o1=$(our_ticks)
    t1=$(date +%s%N)
    awk -v dm=$((m1 - FOREIGN_M0)) -v do_=$((o1 - FOREIGN_O0)) -v dt=$((t1 - FOREIGN_T0)) \
        -v hz="$CLK_TCK" -v n="$(nproc)" 'BEGIN {
            cap = dt / 1e9 * hz * n; f = dm - do_; if (f < 0) f = 0;
            if (cap <= 0) print 0; else printf "%.1f", 100 * f / cap }'
}
