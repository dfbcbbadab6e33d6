# shellcheck shell=bash
# Pid lists ("$INST_PIDS") are split into words on purpose; globals are shared across the lib files.
# shellcheck disable=SC2086,SC2034
# bench/lib/contenders.sh — backends and the contenders (direct, haproxy, haproxy2, nginx, tcplb,
# tcplb-hosted, and the experiments: *-setsid, looprelay*, tcplb-tls, tcplb-dash, tcplb@NAME).
#
# Every contender has two roles:
#   main  listens on its own port and balances round robin over the three HTTP backends
#   bulk  a separate single-backend instance in front of ONE iperf3 server (iperf3 needs its
#         control and data connections on the same server, so round robin over three servers
#         would break it). Same for every contender.
# start_<contender> <role> sets:
#   INST_PORT   the port clients connect to
#   INST_STOP   the pid to stop (master / the process itself)
#   INST_PIDS   space-separated pids whose CPU and memory are measured (nginx: master + worker)

# Filled by run.sh: RUN_DIR BASE_PORT REPO_ROOT BENCHHOST_BIN NOFILE PROXY_MAXCONN NGINX_WORKER_CONNS
backend_http_ports() { echo "$((BASE_PORT + 81)) $((BASE_PORT + 82)) $((BASE_PORT + 83))"; }
backend_iperf_ports() { echo "$((BASE_PORT + 201)) $((BASE_PORT + 202)) $((BASE_PORT + 203))"; }
bulk_backend_port() { echo "$((BASE_PORT + 201))"; }

contender_port() {   # contender role
    local base
    if [[ $1 == *@* ]]; then variant_port "$@"; return; fi
    case $1 in
        direct)  if [[ $2 == main ]]; then echo "$((BASE_PORT + 81))"; else bulk_backend_port; fi; return ;;
        haproxy)  base=100 ;;
        nginx)    base=101 ;;
        tcplb)    base=102 ;;
        haproxy2) base=103 ;;
        tcplb-hosted) base=104 ;;
        tcplb-setsid) base=105 ;;
        haproxy-setsid) base=106 ;;
        tcplb-tls) base=107 ;;
        looprelay) base=108 ;;
        looprelay-setsid) base=109 ;;
        tcplb-dash) base=120 ;;   # bulk 130: clear of the others' bulk ports (110-119)
        haproxy2-setsid) base=121 ;;   # bulk 131
        *) die "unknown contender $1" ;;
    esac
    [[ $2 == bulk ]] && base=$((base + 10))
    echo "$((BASE_PORT + base))"
}

# A variant (tcplb@NAME, tcplb-setsid@NAME): ports from base+150 up, two per variant (main, bulk),
# by the variant's place in the contender list.
variant_port() {   # contender role
    local c i=0
    for c in $CONTENDERS; do
        [[ $c == *@* ]] || continue
        if [[ $c == "$1" ]]; then
            echo "$((BASE_PORT + 150 + 2 * i + $([[ $2 == bulk ]] && echo 1 || echo 0)))"
            return
        fi
        i=$((i + 1))
    done
    die "unknown contender $1"
}

# start_contender <contender> <role>: start_<contender>, or for a variant its base contender with
# the variant's environment (variant_env).
start_contender() {
    case $1 in
        tcplb@*) start_pwsh_balancer "$1" "$2" "" ;;
        tcplb-setsid@*) start_pwsh_balancer "$1" "$2" setsid ;;
        *) "start_$1" "$2" ;;
    esac
}

# variant_env <contender>: the extra environment of a variant, after --tcplb-env's: what
# --tcplb-variant NAME="K=V ..." gave NAME, or TCPLB_LOOP_LAYOUT=NAME (the loop layout A/B:
# reuseport, handoff, leastloaded). Empty for a contender that is no variant.
variant_env() {
    [[ $1 == *@* ]] || return 0
    local name=${1#*@}
    if [[ -n "${TCPLB_VARIANTS[$name]+set}" ]]; then echo "${TCPLB_VARIANTS[$name]}"; else echo "TCPLB_LOOP_LAYOUT=$name"; fi
}

# ---------------------------------------------------------------------------------------------
# Backends: one nginx (worker_processes 1) with three HTTP listen ports, three iperf3 servers.
# ---------------------------------------------------------------------------------------------
BACKEND_NGINX_PID=""
BACKEND_NGINX_PIDS=""
declare -a IPERF_PIDS=()

start_backends() {
    local dir="$RUN_DIR/backend-nginx" p listens="" pid
    mkdir -p "$dir/logs" "$dir/tmp"
    for p in $(backend_http_ports); do
        assert_port_free "$p"
        listens+="        listen 127.0.0.1:$p backlog=4096;"$'\n'
    done
    cat >"$dir/nginx.conf" <<EOF
# bench backend: three listen ports answering a small fixed body (keep-alive and close)
worker_processes 1;
worker_rlimit_nofile $NOFILE;
daemon off;
master_process on;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events {
    worker_connections $NGINX_WORKER_CONNS;
    multi_accept on;
}
http {
    access_log off;
    keepalive_requests 100000000;
    keepalive_timeout 75s;
    client_header_timeout 120s;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    default_type text/plain;
    server {
$listens
        location / {
            return 200 "Response from server running on port \$server_port\n";
        }
    }
}
EOF
    nginx -t -q -p "$dir" -e "$dir/logs/error.log" -c "$dir/nginx.conf" || die "backend nginx config test failed ($dir/nginx.conf)"
    nginx -p "$dir" -e "$dir/logs/error.log" -c "$dir/nginx.conf" >"$dir/logs/stdout.log" 2>&1 &
    BACKEND_NGINX_PID=$!
    register_pid "$BACKEND_NGINX_PID"
    for p in $(backend_http_ports); do
        wait_port "$p" 15 "$BACKEND_NGINX_PID" || die "backend nginx did not listen on $p (see $dir/logs)"
    done
    BACKEND_NGINX_PIDS=$(master_and_workers "$BACKEND_NGINX_PID")

    for p in $(backend_iperf_ports); do
        assert_port_free "$p"
        iperf3 -s -B 127.0.0.1 -p "$p" >"$RUN_DIR/iperf3-server-$p.log" 2>&1 &
        pid=$!
        register_pid "$pid"
        IPERF_PIDS+=("$pid")
    done
    for p in $(backend_iperf_ports); do
        wait_port "$p" 10 || die "iperf3 server did not listen on $p"
    done
    log "backends up: nginx http $(backend_http_ports | tr ' ' ',') (pids $BACKEND_NGINX_PIDS), iperf3 $(backend_iperf_ports | tr ' ' ',')"
}

# ---------------------------------------------------------------------------------------------
# direct: no proxy. The "instance" is the backend itself; its CPU/RSS is not a proxy cost and
# is reported as n/a (the idle scenario still runs, to prove backends accept 10,000 connections).
# ---------------------------------------------------------------------------------------------
start_direct() {
    INST_PORT=$(contender_port direct "$1")
    INST_STOP=""
    INST_PIDS=""
}

# ---------------------------------------------------------------------------------------------
# HAProxy: mode tcp, balance roundrobin, nbthread 1 (haproxy) or 2 (haproxy2), maxconn 30000 (or
# as high as the open-file limit allows: two descriptors per proxied connection), no health checks.
# The better of the two is the reference the targets compare with (see report.sh).
# haproxy-setsid, haproxy2-setsid (not in the default list): nbthread 1 / 2 started with setsid,
# in a session of its own, as HAProxy runs as a service. The better of the two is the
# placement-matched reference of the rows in a session of their own (tcplb-setsid, ...): the
# "x haproxy own session" ratios and the own-session targets line; never the main reference.
# ---------------------------------------------------------------------------------------------
start_haproxy() { start_haproxy_threads haproxy 1 "$1" ""; }
start_haproxy2() { start_haproxy_threads haproxy2 2 "$1" ""; }
start_haproxy-setsid() { start_haproxy_threads haproxy-setsid 1 "$1" setsid; }
start_haproxy2-setsid() { start_haproxy_threads haproxy2-setsid 2 "$1" setsid; }

start_haproxy_threads() {   # <contender name> <nbthread> <role> <launcher prefix: "" or setsid>
    local name=$1 threads=$2 role=$3 launcher=$4 dir="$RUN_DIR/$1-$3" servers="" p i=0
    mkdir -p "$dir"
    INST_PORT=$(contender_port "$name" "$role")
    assert_port_free "$INST_PORT"
    if [[ $role == main ]]; then
        for p in $(backend_http_ports); do i=$((i + 1)); servers+="    server b$i 127.0.0.1:$p"$'\n'; done
    else
        servers="    server b1 127.0.0.1:$(bulk_backend_port)"$'\n'
    fi
    cat >"$dir/haproxy.cfg" <<EOF
global
    nbthread $threads
    maxconn $PROXY_MAXCONN
    log stderr format short local0 err

defaults
    mode tcp
    log global
    maxconn $PROXY_MAXCONN
    timeout connect 5s
    timeout client 120s
    timeout server 120s

listen bench_$role
    bind 127.0.0.1:$INST_PORT backlog 4096
    balance roundrobin
$servers
EOF
    haproxy -c -q -f "$dir/haproxy.cfg" || die "$name config check failed ($dir/haproxy.cfg)"
    $launcher haproxy -db -f "$dir/haproxy.cfg" >"$dir/haproxy.log" 2>&1 &
    INST_STOP=$!
    register_pid "$INST_STOP"
    wait_port "$INST_PORT" 15 "$INST_STOP" || die "$name ($role) did not listen on $INST_PORT (see $dir/haproxy.log)"
    INST_PIDS="$INST_STOP"
}

# ---------------------------------------------------------------------------------------------
# nginx stream: worker_processes 1, round robin (the stream default), no health checks.
# ---------------------------------------------------------------------------------------------
start_nginx() {
    local role=$1 dir="$RUN_DIR/nginx-$1" servers="" p
    mkdir -p "$dir/logs"
    INST_PORT=$(contender_port nginx "$role")
    assert_port_free "$INST_PORT"
    if [[ $role == main ]]; then
        for p in $(backend_http_ports); do servers+="        server 127.0.0.1:$p;"$'\n'; done
    else
        servers="        server 127.0.0.1:$(bulk_backend_port);"$'\n'
    fi
    cat >"$dir/nginx.conf" <<EOF
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 1;
worker_rlimit_nofile $NOFILE;
daemon off;
master_process on;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events {
    worker_connections $NGINX_WORKER_CONNS;
    multi_accept on;
}
stream {
    upstream bench_backends {
$servers    }
    server {
        listen 127.0.0.1:$INST_PORT backlog=4096;
        proxy_pass bench_backends;
        proxy_connect_timeout 5s;
        proxy_timeout 120s;
    }
}
EOF
    nginx -t -q -p "$dir" -e "$dir/logs/error.log" -c "$dir/nginx.conf" || die "nginx stream config test failed ($dir/nginx.conf)"
    nginx -p "$dir" -e "$dir/logs/error.log" -c "$dir/nginx.conf" >"$dir/logs/stdout.log" 2>&1 &
    INST_STOP=$!
    register_pid "$INST_STOP"
    wait_port "$INST_PORT" 15 "$INST_STOP" || die "nginx stream ($role) did not listen on $INST_PORT (see $dir/logs)"
    INST_PIDS=$(master_and_workers "$INST_STOP")
}

# ---------------------------------------------------------------------------------------------
# tcplb: our balancer in a real pwsh 7.6.9, the one pinned in the repository's tool manifest
# (.config/dotnet-tools.json, restored by `dotnet tool restore`), started exactly as a user does:
#   pwsh -NoProfile -Command "Import-Module <repo>/module/TcpLbModule.psd1
#        $DebugPreference = 'Continue'; $lb = Start-TcpBalancer -Port <p> -Backend <b>,<b>,<b>
#        '<READY line>'; $lb | Receive-Job -Wait"
# ($DebugPreference and Receive-Job put the balancer's events, among them how many event loops it
# packs connections on and why, with their times, in stdout.log; Receive-Job waits on the job's
# events, it does not poll. Not -Debug: on a compiled cmdlet, pwsh 7.6 then asks before each
# Verbose and Warning record, and with no terminal to ask on, the cmdlet fails.)
# We run the tool's pwsh.dll with `dotnet`, which is what `dotnet pwsh` does after its shim, so
# the measured process is the pwsh process itself. The targets apply to this row.
# Stopped with SIGTERM (pwsh exits on it).
#
# tcplb-setsid (not in the default list; an experiment): the same pwsh started with setsid, in a
# session of its own, as when it runs in its own terminal. With CFS autogroup scheduling
# (/proc/sys/kernel/sched_autogroup_enabled = 1) a session is a scheduling group: on a busy
# machine the balancer then gets one group's share of the CPUs while wrk and the backends share
# another, and its tail latency grows tenfold (HAProxy's too, less). See bench/README.md.
# ---------------------------------------------------------------------------------------------
start_tcplb() { start_pwsh_balancer tcplb "$1" ""; }
start_tcplb-setsid() { start_pwsh_balancer tcplb-setsid "$1" setsid; }
# tcplb-tls: tcplb terminating TLS with a throwaway certificate (-SelfSignedCertificate), for what
# TLS costs; wrk talks https to it. Main role only: iperf3 and the idle test do not speak TLS.
start_tcplb-tls() { start_pwsh_balancer tcplb-tls "$1" ""; }
# tcplb-dash (not in the default list): tcplb with what watching it costs running beside it: 99
# more balancers in the same process (no health checks, so the backends see no extra traffic),
# Start-TcpBalancerDashboard, a Prometheus scraping its /metrics (100 balancers) every second and
# the status page open in headless Chromium (it refreshes itself every second). Main role only.
start_tcplb-dash() {
    start_pwsh_balancer tcplb-dash "$1" ""
    [[ $1 == main ]] || return 0
    local dir="$RUN_DIR/tcplb-dash-main" dash prom_port chromium
    dash=$(sed -n 's/^READY .* dash=\(http[^ ]*\).*/\1/p' "$dir/stdout.log" | head -n1)
    [[ -n "$dash" ]] || die "tcplb-dash: the dashboard did not start (see $dir/stdout.log)"
    command -v prometheus >/dev/null || die "tcplb-dash needs prometheus (apt-get install prometheus)"
    chromium=$(command -v chromium || command -v chromium-browser) || die "tcplb-dash needs chromium (apt-get install chromium)"
    prom_port=$((BASE_PORT + 290))
    assert_port_free "$prom_port"
    mkdir -p "$dir/prometheus" "$dir/chromium"
    local target=${dash#http://}
    printf 'global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: tcplb\n    static_configs:\n      - targets: [%s]\n' "'${target%/}'" >"$dir/prometheus.yml"
    prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/prometheus" \
        --web.listen-address="127.0.0.1:$prom_port" >"$dir/prometheus.log" 2>&1 &
    register_pid $!
    "$chromium" --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$dir/chromium" \
        --remote-debugging-port=0 "$dash" >"$dir/chromium.log" 2>&1 &
    register_pid $!
    wait_port "$prom_port" 30 || die "tcplb-dash: prometheus did not listen on $prom_port (see $dir/prometheus.log)"
    local i
    for ((i = 0; i < 300; i++)); do
        curl -fsS "http://127.0.0.1:$prom_port/api/v1/targets" 2>/dev/null | grep -q '"health":"up"' && break
        sleep 0.1
    done
    ((i < 300)) || die "tcplb-dash: prometheus never scraped $dash/metrics (see $dir/prometheus.log)"
    log "tcplb-dash: dashboard $dash (100 balancers), prometheus on 127.0.0.1:$prom_port scraping every 1s, the page open in chromium"
}

start_pwsh_balancer() {   # <contender name> <role> <launcher prefix: "" or setsid>
    local name=$1 role=$2 launcher=$3 dir="$RUN_DIR/$1-$2" backends="" p i pid script tls=""
    if [[ $name == tcplb-tls ]]; then tls=" -SelfSignedCertificate"; fi
    local watched=""
    if [[ $name == tcplb-dash && $role == main ]]; then
        for p in $(backend_http_ports); do backends+="${backends:+,}127.0.0.1:$p"; done
        watched="
\$more = 1..99 | ForEach-Object { Start-TcpBalancer -Port 0 -Backend $backends -HealthCheckInterval 0 -Name \"watched-\$_\" }
\$dash = Start-TcpBalancerDashboard -Port 0"
        backends=""
    fi
    mkdir -p "$dir"
    INST_PORT=$(contender_port "$name" "$role")
    assert_port_free "$INST_PORT"
    if [[ $role == main ]]; then
        for p in $(backend_http_ports); do backends+="${backends:+,}127.0.0.1:$p"; done
    else
        backends="127.0.0.1:$(bulk_backend_port)"
    fi
    script="Import-Module '$REPO_ROOT/module/TcpLbModule.psd1'
\$DebugPreference = 'Continue'
\$lb = Start-TcpBalancer -Port $INST_PORT -Backend $backends$tls${TCPLB_EXTRA:+ $TCPLB_EXTRA}$watched
\"READY port=\$(\$lb.Port) pid=\$PID job=\$(\$lb.Id) state=\$(\$lb.State) pwsh=\$(\$PSVersionTable.PSVersion)\$(if (\$dash) { ' dash=' + \$dash.Uri })\"
\$lb | Receive-Job -Wait"
    printf '%s\n' "$script" >"$dir/script.ps1"
    local -a envs=()
    read -ra envs <<<"$TCPLB_ENV $(variant_env "$name")"
    # Off the network (the bench is loopback only): no telemetry, no update check.
    $launcher env POWERSHELL_TELEMETRY_OPTOUT=1 POWERSHELL_UPDATECHECK=Off ${envs[@]+"${envs[@]}"} \
        dotnet "$PWSH_DLL" -NoProfile -Command "$script" </dev/null >"$dir/stdout.log" 2>"$dir/stderr.log" &
    pid=$!
    register_pid "$pid"
    for ((i = 0; i < 600; i++)); do
        grep -q '^READY ' "$dir/stdout.log" 2>/dev/null && break
        pid_alive "$pid" || break
        sleep 0.1
    done
    if ! grep -q '^READY ' "$dir/stdout.log" 2>/dev/null; then
        sed 's/^/    /' "$dir/stderr.log" "$dir/stdout.log" >&2
        die "$name: pwsh ($role) did not print READY (see $dir/stderr.log)"
    fi
    log "$name $role (pwsh): $(grep -m1 '^READY ' "$dir/stdout.log")"
    [[ $(sed -n 's/^READY .* pid=\([0-9]*\).*/\1/p' "$dir/stdout.log" | head -n1) == "$pid" ]] ||
        warn "$name ($role): pwsh reports a pid other than the one started ($pid); measuring $pid"
    wait_port "$INST_PORT" 10 "$pid" || die "$name ($role) is not listening on $INST_PORT"
    INST_STOP=$pid
    INST_PIDS=$pid
}

# ---------------------------------------------------------------------------------------------
# tcplb-hosted: the same balancer started through the module inside BenchHost (a PowerShell 7.6
# engine hosted in a plain .NET console program):
#   Import-Module <repo>/module/TcpLbModule.psd1; $lb = Start-TcpBalancer -Port <p> -Backend <b>,<b>,<b>
# BenchHost's stdin is a fifo we hold open; closing it is the stop signal (SIGTERM also works).
# It answers "stats" on stdin with .NET runtime counters: the tcplb runtime table comes from it.
# ---------------------------------------------------------------------------------------------
start_tcplb-hosted() {
    local role=$1 dir="$RUN_DIR/tcplb-hosted-$1" backends="" p fifo fd i pid
    mkdir -p "$dir"
    INST_PORT=$(contender_port tcplb-hosted "$role")
    assert_port_free "$INST_PORT"
    if [[ $role == main ]]; then
        for p in $(backend_http_ports); do backends+="${backends:+,}127.0.0.1:$p"; done
    else
        backends="127.0.0.1:$(bulk_backend_port)"
    fi
    fifo="$dir/stdin.fifo"
    rm -f "$fifo"
    mkfifo "$fifo"
    local -a envs=()
    [[ -n "$TCPLB_ENV" ]] && read -ra envs <<<"$TCPLB_ENV"
    env ${envs[@]+"${envs[@]}"} "$BENCHHOST_BIN" --module "$REPO_ROOT/module/TcpLbModule.psd1" --port "$INST_PORT" --backend "$backends" \
        ${TCPLB_EXTRA:+--extra "$TCPLB_EXTRA"} <"$fifo" >"$dir/stdout.log" 2>"$dir/stderr.log" &
    pid=$!
    register_pid "$pid"
    exec {fd}>"$fifo"
    # Associative arrays (common.sh declares them -A), keyed by the pid's text: the $ is needed.
    # shellcheck disable=SC2004
    PID_STDIN_FD[$pid]=$fd
    # shellcheck disable=SC2004
    PID_STDOUT[$pid]="$dir/stdout.log"
    for ((i = 0; i < 600; i++)); do
        grep -q '^READY ' "$dir/stdout.log" 2>/dev/null && break
        pid_alive "$pid" || break
        sleep 0.1
    done
    if ! grep -q '^READY ' "$dir/stdout.log" 2>/dev/null; then
        sed 's/^/    /' "$dir/stderr.log" >&2
        die "BenchHost ($role) did not print READY (see $dir/stderr.log)"
    fi
    log "tcplb-hosted $role: $(grep -m1 '^READY ' "$dir/stdout.log")"
    wait_port "$INST_PORT" 10 "$pid" || die "tcplb-hosted ($role) is not listening on $INST_PORT"
    INST_STOP=$pid
    INST_PIDS=$pid
}

# ---------------------------------------------------------------------------------------------
# looprelay (not in the default list; issue 17): the engine's bare relay on its own epoll loops
# (bench/LoopRelayHost, no balancer features, no PowerShell), one SO_REUSEPORT listener per loop,
# one loop per core. What the loop alone does; the balancer on it is the next step.
# looprelay-setsid: the same in a session of its own. LOOPRELAY_ARGS adds arguments (--loops n,
# --handoff).
# ---------------------------------------------------------------------------------------------
start_looprelay() { start_loop_relay looprelay "$1" ""; }
start_looprelay-setsid() { start_loop_relay looprelay-setsid "$1" setsid; }

start_loop_relay() {   # <contender name> <role> <launcher prefix: "" or setsid>
    local name=$1 role=$2 launcher=$3 dir="$RUN_DIR/$1-$2" backends="" p i pid
    mkdir -p "$dir"
    INST_PORT=$(contender_port "$name" "$role")
    assert_port_free "$INST_PORT"
    if [[ $role == main ]]; then
        for p in $(backend_http_ports); do backends+="${backends:+,}127.0.0.1:$p"; done
    else
        backends="127.0.0.1:$(bulk_backend_port)"
    fi
    local -a extra=()
    [[ -n "${LOOPRELAY_ARGS:-}" ]] && read -ra extra <<<"$LOOPRELAY_ARGS"
    $launcher "$LOOPRELAY_BIN" --port "$INST_PORT" --backend "$backends" ${extra[@]+"${extra[@]}"} \
        </dev/null >"$dir/stdout.log" 2>"$dir/stderr.log" &
    pid=$!
    register_pid "$pid"
    for ((i = 0; i < 300; i++)); do
        grep -q '^READY ' "$dir/stdout.log" 2>/dev/null && break
        pid_alive "$pid" || break
        sleep 0.1
    done
    grep -q '^READY ' "$dir/stdout.log" 2>/dev/null || die "$name ($role) did not print READY (see $dir/stderr.log)"
    log "$name $role: $(grep -m1 '^READY ' "$dir/stdout.log")"
    wait_port "$INST_PORT" 10 "$pid" || die "$name ($role) is not listening on $INST_PORT"
    INST_STOP=$pid
    INST_PIDS=$pid
}

# "master worker..." once the master has forked its worker (worker_processes 1)
master_and_workers() {
    local master=$1 i kids=""
    for ((i = 0; i < 100; i++)); do
        kids=$(child_pids "$master" | tr '\n' ' ')
        [[ -n "$kids" ]] && break
        sleep 0.1
    done
    [[ -z "$kids" ]] && warn "nginx master $master has no worker yet"
    echo "$master $kids"
}

stop_instance() {
    [[ -n "${INST_STOP:-}" ]] && stop_pid "$INST_STOP" 10
    INST_STOP=""
    INST_PIDS=""
}
